/**
 * Threat: an encryption subkey of the attacker's own spliced into a certified person key.
 *
 * Attacker's position: someone who can write the vault database (the SQLite file, or the
 * PostgreSQL credentials of a shared vault) and wants to read the next password of an account. The
 * organisation certifies a person key by its primary key's fingerprint, so they leave the officer
 * li.an's primary key, user ID and certification alone and swap only the Curve25519 subkey (with
 * its binding signature, made by their own key) for one whose secret they hold. The fingerprint and
 * the certification still check; the subkey is bound by nobody the organisation knows.
 *
 * The same splice in the organisation key's row, which every version is wrapped for too.
 *
 * What must hold: nothing is encrypted to that subkey. Setting a password (wrapped for its
 * grantee li.an), a backup (encrypted to the officers) and a grant to li.an are refused at the door
 * with exit 6 STATE_SEAL_INVALID naming person_keys and li.an; no version, wrap or file is written;
 * with the row put back everything works and the log verifies.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { openStore } from '../../src/store/store.js';
import { generateKey, openpgp } from '../../src/crypto/pgp.js';
import type { DB } from '../../src/store/schema.js';

/** `victim`'s public key with its subkey and binding replaced by `attacker`'s (the primary key, user ID and its self-signature kept). */
async function spliced(victim: string, attacker: string): Promise<string> {
  const pgp = await openpgp();
  const isSubkeyPart = (p: object) => p.constructor.name === 'PublicSubkeyPacket' || (p.constructor.name === 'SignaturePacket' && (p as { signatureType?: number }).signatureType === pgp.enums.signature.subkeyBinding);
  const out = new pgp.PacketList();
  for (const p of (await pgp.readKey({ armoredKey: victim })).toPacketList()) if (!isSubkeyPart(p)) out.push(p);
  for (const p of (await pgp.readKey({ armoredKey: attacker })).toPacketList()) if (isSubkeyPart(p)) out.push(p);
  return pgp.armor(pgp.enums.armor.publicKey, out.write());
}

describe.each(dialects())('a spliced encryption subkey on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('is never encrypted to: set, backup and grant are refused with exit 6 and write nothing', async () => {
    const box = await sandbox(dialect);
    terminals.push(box);
    await initVault(box.env);
    const run = async (args: string[], input?: string) => {
      const r = await gmv(args, { env: box.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    await run(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科']);
    await run(['account', 'add', '--slug', 'douyin-news', '--platform', 'douyin', '--name', '沈阳新闻', '--unit', '宣传科']);
    await run(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,manage']);
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], 'Password-of-weibo-press-77');

    const sql = async <T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T> => {
      const store = await openStore(box.target, { mode: 'open' });
      try {
        return await fn(store.db);
      } finally {
        await store.close();
      }
    };
    const counts = () => sql(async (db) => ({
      versions: Number((await db.selectFrom('credential_versions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      wraps: Number((await db.selectFrom('wraps').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      grants: Number((await db.selectFrom('grants').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    }));
    const li = await sql((db) => db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
      .select(['person_keys.fingerprint', 'person_keys.public_key']).where('people.login', '=', 'li.an').where('person_keys.status', '=', 'active').executeTakeFirstOrThrow());
    const mallory = await generateKey('Mallory', 'attacker');
    const forged = await spliced(li.public_key, mallory.publicArmored);
    // The primary key, and so the fingerprint the organisation certified, is li.an's own.
    const pgp = await openpgp();
    expect((await pgp.readKey({ armoredKey: forged })).getFingerprint().toUpperCase()).toBe(li.fingerprint);
    const before = await counts();
    await sql((db) => db.updateTable('person_keys').set({ public_key: forged }).where('fingerprint', '=', li.fingerprint).execute());

    const refused = async (args: string[], input?: string) => {
      const out = await gmv([...args, '--json'], { env: box.env, input });
      expect(out.code, `${args.join(' ')}: ${out.stdout}${out.stderr}`).toBe(6);
      const error = JSON.parse(out.stdout).error;
      expect(error.code).toBe('STATE_SEAL_INVALID');
      expect(error.message).toContain('table person_keys');
      expect(error.message).toContain('li.an');
      expect(error.message).toContain('encryption subkey');
    };
    await refused(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], 'Password-the-attacker-would-read-78');
    await refused(['grant', 'add', 'li.an', 'douyin-news', '--can', 'reveal']);
    const backup = join(box.dir, 'spliced.gmvbak');
    await refused(['backup', 'create', '--out', backup]);
    expect(existsSync(backup)).toBe(false);
    expect(await counts()).toEqual(before);
    // In Chinese too, naming what is wrong.
    const zh = await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-', '--lang', 'zh-CN'], { env: box.env, input: 'Password-the-attacker-would-read-79' });
    expect(zh.code).toBe(6);
    expect(zh.stderr).toContain('加密子密钥');

    await sql((db) => db.updateTable('person_keys').set({ public_key: li.public_key }).where('fingerprint', '=', li.fingerprint).execute());

    // The organisation key, which every version is also wrapped for, likewise.
    const org = await sql((db) => db.selectFrom('org_keys').select(['fingerprint', 'public_key']).orderBy('created_at', 'desc').executeTakeFirstOrThrow());
    await sql(async (db) => db.updateTable('org_keys').set({ public_key: await spliced(org.public_key, mallory.publicArmored) }).where('fingerprint', '=', org.fingerprint).execute());
    const orgRefused = await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: 'Password-the-attacker-would-read-81' });
    expect(orgRefused.code, orgRefused.stdout).toBe(6);
    expect(JSON.parse(orgRefused.stdout).error).toMatchObject({ code: 'STATE_SEAL_INVALID', message: expect.stringContaining('table org_keys') });
    expect(await counts()).toEqual(before);
    await sql((db) => db.updateTable('org_keys').set({ public_key: org.public_key }).where('fingerprint', '=', org.fingerprint).execute());

    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], 'Password-of-weibo-press-80');
    expect((await run(['secret', 'show', 'weibo-press'])).stdout.trim()).toBe('Password-of-weibo-press-80');
    await run(['audit', 'verify']);
  });
});
