/**
 * Attacker: someone with a full copy of the database who wants to test guesses of a password
 * against its stored history (a weak imported password is the prize), with no key — or with the
 * key of zhao.min, granted `otp` only. Expected: the history is an HMAC under the account's history
 * key, which only those whose grant reads every field (and the org escrow) are given, so the copy
 * admits no guess at all and zhao.min's wrap does not hold the key; a plain hash of the password is
 * nowhere. Reuse is still refused to the people who work on the account: after a `secret set`,
 * across an import (setting the password an import brought in), and against an argon2id hash that
 * an older gmv wrote. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateKey } from 'openpgp';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';
import { openVault } from '../../src/services/vault.js';
import { readDeviceKey } from '../../src/local/device-file.js';
import { openPersonKey } from '../../src/services/keys.js';
import { parseEnvelope } from '../../src/crypto/envelope.js';
import { Secret } from '../../src/crypto/secret.js';
import { decryptWith } from '../../src/crypto/pgp.js';

const ZHAO = 'maple-leaf-8T-quiet-river';
const WEAK = 'Weibo2024!';
const IMPORTED = 'Imported-Douyin-1';
const KEEPASS = [
  '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
  `"Root","Douyin press","dy_press","${IMPORTED}","https://www.douyin.com/","","","0","2026-01-01T00:00:00Z","2026-01-01T00:00:00Z"`,
].join('\r\n');

describe.each(dialects())('password history against a copy of the database (%s)', (dialect) => {
  let box: Sandbox;
  let zhao: Sandbox;
  let zhaoKey: PrivateKey;
  const ok = async (args: string[], env: Record<string, string>, input?: string) => {
    const r = await gmv(args, { env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const db = async <T,>(run: (d: Awaited<ReturnType<typeof openVault>>['store']['db']) => Promise<T>): Promise<T> => {
    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      return await run(vault.store.db);
    } finally {
      await vault.store.close();
    }
  };
  const hashes = (slug: string) => db((d) => d.selectFrom('credential_versions').innerJoin('accounts', 'accounts.id', 'credential_versions.account_id')
    .select(['credential_versions.version', 'credential_versions.password_hash']).where('accounts.slug', '=', slug).orderBy('credential_versions.version').execute());

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], box.env, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    await ok(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], box.env);
    await ok(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,otp,manage'], box.env);
    await ok(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box.env, WEAK);
    await ok(['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', '-'], box.env, 'JBSWY3DPEHPK3PXP');
    zhao = otherTerminal(box, 'zhao');
    await ok(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box.env);
    await train(box.env, 'zhao.min', 'editor');
    const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], { env: zhao.env, input: ZHAO }));
    await ok(['device', 'approve', enrolled.code], box.env);
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'otp'], box.env);
    const vaultId = await db(async (d) => (await d.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirstOrThrow()).value);
    const device = readDeviceKey(zhao.paths.devicesDir, vaultId)!;
    const lock = await db((d) => d.selectFrom('person_key_locks').select('envelope').where('device_id', '=', device.deviceId).executeTakeFirstOrThrow());
    zhaoKey = await openPersonKey(parseEnvelope(lock.envelope), Secret.fromString(ZHAO), device.secret.reveal(), device.deviceId);
  }, 240_000);
  afterAll(async () => {
    await lockAll(undefined, [box?.env, zhao?.env]);
  });

  it('the copy holds no hash anyone can test a guess against: only keyed ones, no plain digest of the password', async () => {
    const rows = await hashes('weibo-press');
    const set = rows.filter((r) => r.password_hash !== null);
    expect(set).toHaveLength(1);
    expect(set[0]!.password_hash).toMatch(/^hk1\$[A-Za-z0-9+/]{43}=$/);
    const dump = JSON.stringify(await db((d) => d.selectFrom('credential_versions').selectAll().execute()));
    expect(dump).not.toContain(WEAK);
    for (const digest of ['sha256', 'sha1', 'md5']) {
      for (const enc of ['hex', 'base64'] as const) expect(dump).not.toContain(createHash(digest).update(WEAK).digest(enc));
    }
  });

  it("the otp-only grantee's wrap holds the TOTP seed's key and not the history key", async () => {
    const wraps = await db((d) => d.selectFrom('wraps').innerJoin('people', 'people.id', 'wraps.person_id').select('wraps.wrapped')
      .where('people.login', '=', 'zhao.min').where('wraps.item_kind', '=', 'credential').where('wraps.revoked_at', 'is', null).execute());
    expect(wraps.length).toBeGreaterThan(0);
    for (const w of wraps) {
      const bundle = JSON.parse(Buffer.from(await decryptWith(Buffer.from(w.wrapped, 'base64'), zhaoKey)).toString('utf8')) as Record<string, string>;
      expect(Object.keys(bundle)).toEqual(['totp']);
    }
  });

  it('reuse is refused to whoever works on the account, and the refusal is audited without the value', async () => {
    const again = await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: WEAK });
    expect(again.code).toBe(11);
    expect(JSON.parse(again.stdout).error.code).toBe('PASSWORD_REUSED');
    const log = await ok(['audit', 'log', '--json', '--action', 'secret.set'], box.env);
    const entries = JSON.parse(log.stdout).entries as { outcome: string; subject: string; details: { reason?: string } }[];
    expect(entries.filter((e) => e.outcome === 'denied')).toEqual([expect.objectContaining({ subject: 'weibo-press', details: expect.objectContaining({ reason: 'password reused' }) })]);
    expect(log.stdout).not.toContain(WEAK);
    // A new password is taken; the old one stays in the history.
    await ok(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box.env, 'Weibo-Next-Pass-2');
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], { env: box.env, input: WEAK })).code).toBe(11);
  });

  it('the password an import brought in counts: setting it again is refused', async () => {
    const file = join(box.dir, 'keepass.csv');
    writeFileSync(file, KEEPASS);
    await ok(['import', 'keepassxc', file, '--unit', '宣传科'], box.env);
    await ok(['grant', 'add', 'li.an', 'douyin-press', '--can', 'reveal,manage'], box.env);
    expect((await hashes('douyin-press'))[0]!.password_hash).toMatch(/^hk1\$/);
    const reused = await gmv(['secret', 'set', 'douyin-press', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: IMPORTED });
    expect(reused.code).toBe(11);
    expect(JSON.parse(reused.stdout).error.code).toBe('PASSWORD_REUSED');
    await ok(['secret', 'set', 'douyin-press', '--field', 'password', '--from-file', '-'], box.env, 'Douyin-Fresh-Pass-9');
  });

  it('an argon2id hash an older gmv wrote is still compared', async () => {
    const argon2 = await import('argon2');
    const old = await argon2.hash('Older-Gmv-Pass-3', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const first = (await hashes('douyin-press'))[0]!;
    await db((d) => d.updateTable('credential_versions').set({ password_hash: old }).where('version', '=', first.version)
      .where('account_id', '=', (eb) => eb.selectFrom('accounts').select('id').where('slug', '=', 'douyin-press')).execute());
    const reused = await gmv(['secret', 'set', 'douyin-press', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: 'Older-Gmv-Pass-3' });
    expect(JSON.parse(reused.stdout).error.code).toBe('PASSWORD_REUSED');
  });
});
