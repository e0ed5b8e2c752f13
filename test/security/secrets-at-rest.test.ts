/**
 * Threat: secrets readable at rest in the vault database.
 *
 * Attacker's position: can read every byte of the vault database (the SQLite file and its -wal, a
 * backup of them, or every row of every table on PostgreSQL), but has neither the officer's
 * passphrase nor this terminal's device key file.
 *
 * What must hold: the database never contains the officer passphrase, any private key material of
 * the organisation key, the officer's key, the recovery key, the device CA or the terminal's device
 * keys (armored/PEM "PRIVATE KEY" blocks, or the raw secret numbers in binary, hex or base64), nor
 * the device secret. The vault file is 0600 in a 0700 folder; the device key file is 0600 in a 0700
 * folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import * as openpgp from 'openpgp';
import { dialects, sandbox, type DialectName, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';

/** Every base64 rendering of `bytes` whatever its alignment inside a longer base64 text. */
function base64Variants(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const first = Math.ceil((8 * shift) / 6);
    const last = Math.floor((8 * (shift + bytes.length)) / 6);
    out.push(b64.slice(first, last));
  }
  return out;
}

interface Needle { what: string; bytes: Buffer }

/** A secret as raw bytes, lower/upper hex and base64 (any alignment). */
function needles(what: string, raw: Buffer): Needle[] {
  return [
    { what: `${what} (raw)`, bytes: raw },
    { what: `${what} (hex)`, bytes: Buffer.from(raw.toString('hex')) },
    { what: `${what} (HEX)`, bytes: Buffer.from(raw.toString('hex').toUpperCase()) },
    ...base64Variants(raw).map((b, i) => ({ what: `${what} (base64 #${i})`, bytes: Buffer.from(b) })),
  ];
}

/** The secret scalars of a private key and its subkeys (EdDSA seed, ECDH d), and its binary packets. */
function privateMaterial(what: string, key: openpgp.PrivateKey): Needle[] {
  const packets = [key.keyPacket, ...key.subkeys.map((s) => s.keyPacket)] as unknown as Array<{ privateParams?: Record<string, Uint8Array> }>;
  const scalars = packets.flatMap((p, i) => Object.entries(p.privateParams ?? {}).map(([name, v]) => ({ name: `${what} key ${i} ${name}`, v: Buffer.from(v) })));
  expect(scalars.length, `${what}: decrypted key exposes its secret parameters`).toBeGreaterThanOrEqual(2);
  for (const s of scalars) expect(s.v.length).toBeGreaterThanOrEqual(32);
  return [
    ...scalars.flatMap((s) => needles(s.name, s.v)),
    { what: `${what} binary transferable secret key`, bytes: Buffer.from(key.write()) },
  ];
}

/** The secret numbers of a PEM private key (RSA d, p, q…; EC/EdDSA d), and its DER. */
function pemMaterial(what: string, pem: string): Needle[] {
  const key = createPrivateKey(pem);
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const secretFields = ['d', 'p', 'q', 'dp', 'dq', 'qi'].filter((f) => typeof jwk[f] === 'string');
  expect(secretFields, `${what}: PEM key exposes its secret numbers`).toContain('d');
  return [
    ...secretFields.flatMap((f) => needles(`${what} ${f}`, Buffer.from(jwk[f]!, 'base64url'))),
    { what: `${what} PKCS#8 DER`, bytes: key.export({ format: 'der', type: 'pkcs8' }) as Buffer },
  ];
}

/** Names of the needles found in `haystack`. */
function found(haystack: Buffer, list: Needle[]): string[] {
  return list.filter((n) => haystack.includes(n.bytes)).map((n) => n.what);
}

async function postgresDump(url: string): Promise<Buffer> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (await client.query(`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)).rows.map((r) => r.table_name as string);
    expect(tables).toEqual(expect.arrayContaining(['org_keys', 'person_key_locks', 'audit_entries', 'devices', 'wraps']));
    const parts: string[] = [];
    for (const table of tables) {
      const rows = await client.query(`select row_to_json(t)::text as j from "${table}" t`);
      for (const row of rows.rows) parts.push(row.j as string);
    }
    return Buffer.from(parts.join('\n'), 'utf8');
  } finally {
    await client.end();
  }
}

describe.each(dialects())('secrets at rest on %s', (dialect: DialectName) => {
  let box: Sandbox;
  let created: { deviceFile: string; orgFingerprint: string };
  /** What an attacker reading the database sees: the file and its WAL (SQLite) or every row (PostgreSQL). */
  let stored: { main: Buffer; wal: Buffer | null };
  let reader: Database.Database | undefined;
  /** What unlocking reveals: the officer, organisation and device-CA private keys. */
  let unlocked: { orgFingerprint: string; needles: Needle[] };

  /** Unlock the way gmv does (passphrase + this terminal's device key) to learn what must not be stored. */
  async function unlockEverything(): Promise<typeof unlocked> {
    const [{ openVault }, { unlockPerson }, { orgKeyFor, caFor }, { Secret }, { localPaths }] = await Promise.all([
      import('../../src/services/vault.js'), import('../../src/services/unlock.js'),
      import('../../src/services/officer-keys.js'), import('../../src/crypto/secret.js'), import('../../src/local/paths.js'),
    ]);
    // The terminal's paths exactly as the gmv binary resolves them from this sandbox's environment.
    const vault = await openVault({ target: box.target, paths: localPaths(box.env) });
    try {
      const person = await unlockPerson(vault, 'li.an', Secret.fromString(OFFICER_PASSPHRASE));
      const orgKey = await orgKeyFor(vault, person);
      const ca = await caFor(vault, person);
      return {
        orgFingerprint: orgKey.getFingerprint().toUpperCase(),
        needles: [...privateMaterial('officer', person.key), ...privateMaterial('organisation', orgKey), ...pemMaterial('device CA', ca.keyPem)],
      };
    } finally {
      await vault.store.close();
    }
  }

  beforeAll(async () => {
    box = await sandbox(dialect);
    created = JSON.parse((await initVault(box.env, ['--json'])).stdout);
    if (dialect === 'sqlite') {
      // A second connection stays open so the writers' -wal file is not checkpointed away: it is read too.
      const { default: Sqlite } = await import('better-sqlite3');
      reader = new Sqlite(box.paths.defaultVault, { fileMustExist: true });
      reader.prepare('select count(*) from audit_entries').get();
    }
    const exported = await gmv(['audit', 'checkpoint', 'export', '--out', join(box.dir, 'evidence'), '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(exported.code, exported.stderr).toBe(0);
    unlocked = await unlockEverything(); // before the failed attempt, which throttles li.an
    const failed = await gmv(['audit', 'prune', '--before', '2020-01-01', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: `${OFFICER_PASSPHRASE}x` });
    expect(failed.code).toBe(5);
    if (dialect === 'sqlite') {
      const wal = `${box.paths.defaultVault}-wal`;
      stored = { main: readFileSync(box.paths.defaultVault), wal: existsSync(wal) ? readFileSync(wal) : null };
    } else {
      stored = { main: await postgresDump(box.env.GMV_DATABASE_URL!), wal: null };
    }
  });

  afterAll(() => {
    reader?.close();
  });

  const everything = () => Buffer.concat([stored.main, stored.wal ?? Buffer.alloc(0)]);

  it('the search reads real vault content (positive control)', () => {
    // If the bytes searched were not the vault's, every "not found" below would be meaningless.
    expect(everything().includes(Buffer.from('沈阳市测试局', 'utf8'))).toBe(true);
    expect(everything().includes(Buffer.from(created.orgFingerprint))).toBe(true);
    expect(everything().includes(Buffer.from('PUBLIC KEY BLOCK'))).toBe(true);
    if (dialect === 'sqlite') {
      expect(stored.wal, 'the -wal of the export and the failed attempt').not.toBeNull();
      expect(stored.wal!.length).toBeGreaterThan(0);
      expect(stored.wal!.includes(Buffer.from('audit.checkpoint.export'))).toBe(true);
    }
  });

  it('no armored private key block anywhere', () => {
    expect(everything().includes(Buffer.from('PRIVATE KEY'))).toBe(false);
  });

  it('no officer passphrase (UTF-8, hex or base64)', () => {
    expect(found(everything(), needles('passphrase', Buffer.from(OFFICER_PASSPHRASE, 'utf8')))).toEqual([]);
    // The wrong passphrase of the failed attempt is not recorded either.
    expect(found(everything(), needles('failed passphrase', Buffer.from(`${OFFICER_PASSPHRASE}x`, 'utf8')))).toEqual([]);
  });

  it('no device secret and no device key material from the device key file', async () => {
    const device = JSON.parse(readFileSync(created.deviceFile, 'utf8')) as { secret: string; signing_key: string; rsa_key?: string };
    const secret = Buffer.from(device.secret, 'base64');
    expect(secret.length).toBe(32);
    expect(found(everything(), needles('device secret', secret))).toEqual([]);
    const signing = await openpgp.readPrivateKey({ armoredKey: device.signing_key });
    expect(found(everything(), privateMaterial('device signing', signing))).toEqual([]);
    if (device.rsa_key) expect(found(everything(), pemMaterial('device RSA', device.rsa_key))).toEqual([]);
  });

  it('no secret material of the recovery key written at init', async () => {
    const armored = readFileSync(join(box.dir, 'recovery.asc'), 'utf8');
    expect(armored).toContain('PRIVATE KEY BLOCK');
    const recovery = await openpgp.readPrivateKey({ armoredKey: armored });
    expect(recovery.isDecrypted()).toBe(true);
    expect(found(everything(), privateMaterial('recovery', recovery))).toEqual([]);
  });

  it('no secret material of the organisation key, the device CA nor the officer key', () => {
    expect(unlocked.orgFingerprint).toBe(created.orgFingerprint);
    expect(found(everything(), unlocked.needles)).toEqual([]);
  });

  it('vault file 0600 in a 0700 folder; device key file 0600 in a 0700 folder', () => {
    if (dialect === 'sqlite') {
      expect(statSync(box.paths.defaultVault).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(box.paths.defaultVault)).mode & 0o777).toBe(0o700);
      for (const side of ['-wal', '-shm']) {
        const path = box.paths.defaultVault + side;
        if (existsSync(path)) expect(statSync(path).mode & 0o777, side).toBe(0o600);
      }
    }
    expect(dirname(created.deviceFile)).toBe(box.paths.devicesDir);
    expect(statSync(created.deviceFile).mode & 0o777).toBe(0o600);
    expect(statSync(box.paths.devicesDir).mode & 0o777).toBe(0o700);
  });
});
