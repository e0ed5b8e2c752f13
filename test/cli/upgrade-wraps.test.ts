/**
 * A vault written before wraps moved into one table (schema 4) keeps working after the upgrade:
 * the stored password reveals, the escrow still wraps for a new grantee, a rotation that was in
 * progress confirms, and what was wrapped before is on record for `exposure`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { downgradeWrapsToSchema4 } from '../helpers/old-schemas.js';
import { openStore } from '../../src/store/store.js';

const ZHAO = 'zhao-min-collects-old-maps-52';

describe.each(dialects())('upgrading a schema-4 vault on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('moves every wrap into the wraps table and keeps reveals, grants and a pending rotation working', async () => {
    const box = await sandbox(dialect);
    const zhao = otherTerminal(box, 'zhao');
    terminals.push(box, zhao);
    const run = async (args: string[], t: Sandbox, input?: string) => {
      const r = await gmv(args, { env: t.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await initVault(box.env);
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    await run(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], box);
    await run(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,manage'], box);
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box, 'Weibo-Before-Upgrade-1');
    const started = JSON.parse((await run(['rotate', 'start', 'weibo-press', '--json'], box)).stdout);
    await run(['lock'], box);

    const store = await openStore(box.target, { mode: 'open' });
    await downgradeWrapsToSchema4(store);
    await store.close();

    // The first command after the upgrade opens the vault of the old layout; its rows have no seal,
    // so no door opens until an officer seals them (after the log verifies).
    const unsealed = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(unsealed.code, unsealed.stderr).toBe(6);
    expect(JSON.parse(unsealed.stdout).error.code).toBe('STATE_SEAL_INVALID');
    const sealed = JSON.parse((await run(['vault', 'seal-state', '--login', 'li.an', '--passphrase-file', '-', '--json'], box, OFFICER_PASSPHRASE)).stdout);
    expect(sealed).toMatchObject({ people: 1, grants: 1, policy: true });
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    // A vault from before training records holds none: the officer records theirs first (Art. 25).
    expect((await gmv(['secret', 'show', 'weibo-press', '--json'], { env: box.env })).code).toBe(4);
    await train(box.env, 'li.an', 'security-officer');
    expect((await run(['secret', 'show', 'weibo-press'], box)).stdout.trim()).toBe('Weibo-Before-Upgrade-1');
    // The escrow written under schema 4 still wraps for a new grantee.
    await run(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box);
    await train(box.env, 'zhao.min', 'editor');
    const enroll = JSON.parse((await run(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], zhao, ZHAO)).stdout);
    await run(['device', 'approve', enroll.code], box);
    await run(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao, ZHAO);
    await run(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal'], box);
    expect((await run(['secret', 'show', 'weibo-press'], zhao)).stdout.trim()).toBe('Weibo-Before-Upgrade-1');
    // The rotation started before the upgrade confirms with its migrated wrap.
    await run(['rotate', 'confirm', 'weibo-press'], box);
    expect((await run(['secret', 'show', 'weibo-press'], box)).stdout.trim()).toBe(started.password);

    const after = await openStore(box.target, { mode: 'open' });
    try {
      const versions = await after.db.selectFrom('gmv_migrations').select('version').orderBy('version').execute();
      expect(versions.map((v) => Number(v.version)).at(-1)).toBeGreaterThanOrEqual(5);
      const rotation = await after.db.selectFrom('wraps').select(['revoked_reason']).where('item_kind', '=', 'rotation').execute();
      expect(rotation.map((r) => r.revoked_reason)).toEqual(['rotation-confirmed']);
      const kinds = await after.db.selectFrom('wraps').select(['item_kind', 'recipient']).where('revoked_at', 'is', null).execute();
      expect(new Set(kinds.map((k) => `${k.item_kind}/${k.recipient}`))).toEqual(new Set(['org-key/person', 'device-ca/person', 'org-key/recovery', 'device-ca/recovery', 'credential/person', 'credential/org']));
    } finally {
      await after.close();
    }
  });
});
