/**
 * Attacker: zhao.min, granted `otp` only on weibo-press, with her own unlocked key (her passphrase
 * and her terminal's device secret) and a full copy of the database, working outside gmv.
 * Expected: each field of a version is sealed under its own key and her wrap holds the TOTP seed's
 * key alone, so she decrypts the seed and nothing else — not the password, the login or the
 * recovery codes. A version written before fields were sealed one by one (sealed whole) stays
 * readable; `gmv vault reseal` moves it to the new form, after which the same holds.
 * Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrivateKey } from 'openpgp';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';
import { openVault, recordAudit } from '../../src/services/vault.js';
import { writeTransaction } from '../../src/store/store.js';
import { readDeviceKey } from '../../src/local/device-file.js';
import { openPersonKey, sealWithDataKey, wrapFor } from '../../src/services/keys.js';
import { currentGrantees } from '../../src/services/credential-store.js';
import { open, parseEnvelope, type Envelope } from '../../src/crypto/envelope.js';
import { Secret } from '../../src/crypto/secret.js';
import { decryptWith, readPrivate, readPublic } from '../../src/crypto/pgp.js';
import { keySigner } from '../../src/audit/log.js';
import { fieldSummary, serializeCredential } from '../../src/domain/credential.js';

const ZHAO = 'maple-leaf-8T-quiet-river';
const SEED = 'JBSWY3DPEHPK3PXP';
const PASSWORD = 'Weibo-Press-Secret-1!';

describe.each(dialects())('an otp-only grantee with a copy of the database (%s)', (dialect) => {
  let box: Sandbox;
  let zhao: Sandbox;
  let zhaoKey: PrivateKey;
  let vaultId: string;
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
  /** Everything she can open of the newest version of weibo-press, outside gmv. */
  const whatSheOpens = async (): Promise<{ version: number; opened: Record<string, unknown>; refused: string[]; refs: string[] }> => {
    const { version, envelope, wraps } = await db(async (d) => {
      const row = await d.selectFrom('credential_versions').innerJoin('accounts', 'accounts.id', 'credential_versions.account_id')
        .select(['credential_versions.version', 'credential_versions.envelope', 'accounts.id']).where('accounts.slug', '=', 'weibo-press')
        .orderBy('credential_versions.version', 'desc').executeTakeFirstOrThrow();
      const mine = await d.selectFrom('wraps').innerJoin('people', 'people.id', 'wraps.person_id').select(['wraps.wrapped', 'wraps.item_ref'])
        .where('people.login', '=', 'zhao.min').where('wraps.account_id', '=', Number(row.id)).where('wraps.item_version', '=', Number(row.version)).execute();
      return { version: Number(row.version), envelope: row.envelope, wraps: mine };
    });
    // Every key she can get: whatever each of her wraps decrypts to.
    const keys: Buffer[] = [];
    for (const w of wraps) {
      const plain = Buffer.from(await decryptWith(Buffer.from(w.wrapped, 'base64'), zhaoKey));
      try {
        for (const k of Object.values(JSON.parse(plain.toString('utf8')) as Record<string, string>)) keys.push(Buffer.from(k, 'base64'));
      } catch {
        keys.push(plain);
      }
    }
    const stored = JSON.parse(envelope) as { fields: Record<string, Envelope> };
    const opened: Record<string, unknown> = {};
    const refused: string[] = [];
    for (const [field, env] of Object.entries(stored.fields)) {
      const value = keys.map((k) => { try { return JSON.parse(open(k, env).toString('utf8')) as unknown; } catch { return undefined; } }).find((v) => v !== undefined);
      if (value === undefined) refused.push(field);
      else opened[field] = value;
    }
    return { version, opened, refused: refused.sort(), refs: wraps.map((w) => w.item_ref) };
  };

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], box.env, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    await ok(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], box.env);
    await ok(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,otp,manage'], box.env);
    await ok(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box.env, PASSWORD);
    await ok(['secret', 'set', 'weibo-press', '--field', 'login', '--from-file', '-'], box.env, 'press@example.gov.cn');
    await ok(['secret', 'set', 'weibo-press', '--field', 'recovery', '--from-file', '-'], box.env, 'AAAA-1111 BBBB-2222');
    zhao = otherTerminal(box, 'zhao');
    await ok(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box.env);
    await train(box.env, 'zhao.min', 'editor');
    const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], { env: zhao.env, input: ZHAO }));
    await ok(['device', 'approve', enrolled.code], box.env);
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao.env, ZHAO);
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'otp'], box.env);
    vaultId = await db(async (d) => (await d.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirstOrThrow()).value);
    const device = readDeviceKey(zhao.paths.devicesDir, vaultId)!;
    const lock = await db((d) => d.selectFrom('person_key_locks').select('envelope').where('device_id', '=', device.deviceId).executeTakeFirstOrThrow());
    zhaoKey = await openPersonKey(parseEnvelope(lock.envelope), Secret.fromString(ZHAO), device.secret.reveal(), device.deviceId);
  }, 240_000);
  afterAll(async () => {
    await lockAll(undefined, [box?.env, zhao?.env]);
  });

  it('a version written after her grant: she decrypts the TOTP seed and nothing else', async () => {
    await ok(['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', '-'], box.env, SEED);
    const seen = await whatSheOpens();
    expect(seen.refs).toEqual(['fields:totp']);
    expect(JSON.stringify(seen.opened.totp)).toContain(SEED);
    expect(Object.keys(seen.opened)).toEqual(['totp']);
    expect(seen.refused).toEqual(['login', 'password', 'recovery']);
    // Through gmv: codes yes, the password no (refused at the door, audited).
    const code = await ok(['otp', 'weibo-press', '--json'], zhao.env);
    expect(parse<{ code: string }>(code).code).toMatch(/^\d{6}$/);
    const reveal = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: zhao.env });
    expect(reveal.code).toBe(4);
    expect(JSON.parse(reveal.stdout).error.code).toBe('DENIED_CAPABILITY');
    expect(reveal.stdout + reveal.stderr).not.toContain(PASSWORD);
  });

  it('a grant widened to reveal hands her the other fields of the current version, and only then', async () => {
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal'], box.env);
    const seen = await whatSheOpens();
    expect(seen.opened.password).toBe(PASSWORD);
    expect(seen.refused).toEqual([]);
    // Narrowed again: her wrap of every field is revoked and one of the seed alone takes its place.
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'otp'], box.env);
    const live = await db((d) => d.selectFrom('wraps').innerJoin('people', 'people.id', 'wraps.person_id').select('wraps.item_ref')
      .where('people.login', '=', 'zhao.min').where('wraps.item_kind', '=', 'credential').where('wraps.revoked_at', 'is', null).execute());
    expect(live.map((w) => w.item_ref)).toEqual(['fields:totp']);
  });

  it('a version sealed whole (written before) still opens; gmv vault reseal moves it field by field', async () => {
    // A version as the previous gmv wrote it: one envelope, one data key wrapped for each grantee and the org key.
    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      await writeTransaction(vault.store, async (trx) => {
        const account = await trx.selectFrom('accounts').select('id').where('slug', '=', 'weibo-press').executeTakeFirstOrThrow();
        const last = await trx.selectFrom('credential_versions').select((eb) => eb.fn.max('version').as('v')).where('account_id', '=', Number(account.id)).executeTakeFirstOrThrow();
        const version = Number(last.v) + 1;
        const content = { password: 'Legacy-Whole-Password-9!', totp: { secret: SEED, algorithm: 'SHA1', digits: 6, period: 30 } } as const;
        const sealed = sealWithDataKey(serializeCredential(content as never), { purpose: 'credential', account: 'weibo-press', account_id: Number(account.id), version });
        const at = new Date().toISOString();
        await trx.insertInto('credential_versions').values({ account_id: Number(account.id), version, envelope: JSON.stringify(sealed.envelope), password_hash: null,
          fields: JSON.stringify(fieldSummary(content as never)), reason: 'set password', created_by: 'li.an', created_at: at }).execute();
        const org = await trx.selectFrom('org_keys').select(['fingerprint', 'public_key']).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
        const grantees = await currentGrantees(trx, Number(account.id), new Date());
        await wrapFor(trx, { kind: 'credential', accountId: Number(account.id), version }, sealed.dataKey, [
          ...grantees.map((g) => ({ recipient: 'person' as const, personId: g.personId, fingerprint: g.fingerprint, publicKey: g.publicKey })),
          { recipient: 'org' as const, fingerprint: org.fingerprint, publicKey: await readPublic(org.public_key) },
        ], at);
        const device = readDeviceKey(box.paths.devicesDir, vaultId)!;
        await recordAudit(trx, { vaultId, deviceId: device.deviceId, now: () => new Date() },
          [{ action: 'secret.set', actor: 'li.an', subject: 'weibo-press', outcome: 'ok', details: { field: 'password', version } }], keySigner(await readPrivate(device.signingKey.revealString())));
      });
    } finally {
      await vault.store.close();
    }
    expect((await ok(['secret', 'show', 'weibo-press', '--field', 'password'], box.env)).stdout.trim()).toBe('Legacy-Whole-Password-9!');
    expect((await ok(['otp', 'weibo-press'], zhao.env)).stdout.trim()).toMatch(/^\d{6}$/);

    const resealed = parse<{ resealed: { slug: string; from: number; version: number; fields: string[] }[] }>(await ok(['vault', 'reseal', '--json'], box.env));
    expect(resealed.resealed).toEqual([{ slug: 'weibo-press', from: resealed.resealed[0]!.from, version: resealed.resealed[0]!.from + 1, fields: ['password', 'totp'] }]);
    const seen = await whatSheOpens();
    expect(Object.keys(seen.opened)).toEqual(['totp']);
    expect(seen.refused).toEqual(['password']);
    expect((await ok(['secret', 'show', 'weibo-press', '--field', 'password'], box.env)).stdout.trim()).toBe('Legacy-Whole-Password-9!');
    // Nothing left to re-seal; the log verifies.
    expect(parse<{ resealed: unknown[]; current: number }>(await ok(['vault', 'reseal', '--json'], box.env))).toEqual({ resealed: [], current: 1 });
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
  });
});
