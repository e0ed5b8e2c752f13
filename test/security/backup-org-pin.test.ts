/**
 * Threat: someone hands an auditor a backup of a vault of their own and says it is the unit's.
 * The auditor pins the organisation key they were given (`gmv backup verify --org-key`). The forger
 * can put that public key into their vault's org_keys beside their own, so "the pinned key is among
 * the backup's keys" proves nothing: the backup's newest organisation key must be the pinned one, or
 * one that a chain of re-keys signed by both keys hands over to from it, and only the keys of that
 * chain certify the signer. A real vault re-keyed since the pin still verifies, through its chain.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';
import { rawDb } from '../helpers/raw-db.js';

/** The fingerprint of the first organisation key of a sandbox's vault (the one an auditor was given). */
async function firstOrgKey(box: Sandbox): Promise<string> {
  const db = await rawDb(box.target);
  try {
    return (await db.all<{ fingerprint: string }>('select fingerprint from org_keys order by created_at limit 1'))[0]!.fingerprint;
  } finally {
    await db.close();
  }
}

describe.each(dialects())('a backup pinned to an organisation key, on %s', (dialect) => {
  let unit: Sandbox;
  let forger: Sandbox;
  let pinned: string;
  const ok = async (args: string[], env: Record<string, string>, input?: string) => {
    const r = await gmv(args, { env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const start = async (box: Sandbox) => {
    await initVault(box.env);
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], box.env, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
  };

  beforeAll(async () => {
    unit = await sandbox(dialect);
    forger = await sandbox(dialect);
    await start(unit);
    await start(forger);
    pinned = join(unit.dir, 'org-key-given-to-the-auditor.asc');
    writeFileSync(pinned, (await ok(['org', 'key', 'export'], unit.env)).stdout);
  });
  afterAll(async () => {
    await lockAll(undefined, [unit?.env, forger?.env]);
  });

  it('verifies the unit\'s backup, before and after a re-key', async () => {
    const before = join(unit.dir, 'before.gmvbak');
    await ok(['backup', 'create', '--out', before], unit.env);
    const first = await firstOrgKey(unit);
    expect(parse<{ orgKey: { pinned: string | null; fingerprint: string } }>(await ok(['backup', 'verify', before, '--org-key', pinned, '--json'], unit.env)).orgKey).toEqual({ pinned: first, fingerprint: first });
    await ok(['org', 'rekey', '--reason', 'yearly'], unit.env);
    const after = join(unit.dir, 'after.gmvbak');
    await ok(['backup', 'create', '--out', after], unit.env);
    const verified = parse<{ orgKey: { pinned: string | null; fingerprint: string } }>(await ok(['backup', 'verify', after, '--org-key', pinned, '--json'], unit.env));
    // Trusted through the hand-over: the key that vouches now is the new one.
    expect(verified.orgKey.pinned).toBe(first);
    expect(verified.orgKey.fingerprint).not.toBe(first);
    // And says so: the key that certified is not the one pinned, but handed over from it.
    const human = await ok(['backup', 'verify', after, '--org-key', pinned], unit.env);
    expect(human.stdout).toContain(`certified by organisation key ${verified.orgKey.fingerprint} (handed over, by signed re-keys, from the key you pinned, ${first})`);
  });

  it('refuses a vault of someone else\'s that holds the pinned key beside its own, and writes nothing', async () => {
    const db = await rawDb(forger.target);
    try {
      // The unit's public key, planted as the forger vault's oldest organisation key.
      const key = (await ok(['org', 'key', 'export'], unit.env)).stdout;
      const fingerprint = await firstOrgKey(unit);
      await db.run('insert into org_keys (fingerprint, public_key, private_envelope, created_at) values (?, ?, ?, ?)', [fingerprint, key, '{}', '2000-01-01T00:00:00.000Z']);
    } finally {
      await db.close();
    }
    const forged = join(forger.dir, 'forged.gmvbak');
    await ok(['backup', 'create', '--out', forged], forger.env);
    // Its own key verifies it as the backup of its own vault; the unit's pinned key does not.
    expect((await gmv(['backup', 'verify', forged, '--recovery-key', join(forger.dir, 'recovery.asc')], { env: unit.env })).code).toBe(0);
    const refused = await gmv(['backup', 'verify', forged, '--recovery-key', join(forger.dir, 'recovery.asc'), '--org-key', pinned, '--json'], { env: unit.env });
    expect(refused.code, refused.stdout + refused.stderr).toBe(6);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringContaining('nor one that signed re-keys from it lead to') });
    const target = join(unit.dir, 'restored-from-forgery.db');
    const restore = await gmv(['backup', 'restore', forged, '--to', target, '--recovery-key', join(forger.dir, 'recovery.asc'), '--org-key', pinned], { env: unit.env });
    expect(restore.code).toBe(6);
    expect(existsSync(target)).toBe(false);
  });
});
