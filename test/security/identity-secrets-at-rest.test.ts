/**
 * Threat: the identity secrets of a working vault are readable at rest or in routine output.
 *
 * Attacker's position: after a realistic identity flow (officer and a colleague, a second terminal
 * enrolled and approved, TOTP enrolled and used, a passphrase changed, a failed login), can read
 * every byte of the vault database (the SQLite file and its -wal, a backup, or every row on
 * PostgreSQL), and everything routine commands print with --json (CI logs, screen sharing, a
 * ticket): staff and device lists, login, whoami, audit log. They have neither terminal's device
 * key file nor any passphrase.
 *
 * What must hold: neither the database nor those outputs contain any passphrase (old, new or a
 * wrong guess), any armored private key, any terminal's device secret (as stored in its key file:
 * base64, nor raw/hex) or device key material, the colleague's personal private key material, the
 * TOTP seed (base32 or its bytes), or the enrollment code in clear (a bearer secret until
 * approval). Device key files are 0600 in 0700 folders on both terminals, as is the agent socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';

import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import * as openpgp from 'openpgp';
import { generateSync } from 'otplib';
import { dialects, otherTerminal, sandbox, type DialectName, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, type RunResult } from '../helpers/cli.js';
import { openVault } from '../../src/services/vault.js';
import { unlockPerson } from '../../src/services/unlock.js';
import { Secret } from '../../src/crypto/secret.js';
import { localPaths } from '../../src/local/paths.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';
const ZHANG_NEW_PASSPHRASE = 'lotus-courtyard-5T-ink-stone';
const WRONG_GUESS = 'river-willow-9K-stone-bridgX';

interface Needle { what: string; bytes: Buffer }

/** Every base64 rendering of `bytes` whatever its alignment inside a longer base64 text. */
function base64Variants(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    out.push(b64.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6)));
  }
  return out;
}

/** A secret as raw bytes, lower/upper hex and base64 (any alignment). */
function needles(what: string, raw: Buffer): Needle[] {
  return [
    { what: `${what} (raw)`, bytes: raw },
    { what: `${what} (hex)`, bytes: Buffer.from(raw.toString('hex')) },
    { what: `${what} (HEX)`, bytes: Buffer.from(raw.toString('hex').toUpperCase()) },
    ...base64Variants(raw).map((b, i) => ({ what: `${what} (base64 #${i})`, bytes: Buffer.from(b) })),
  ];
}

function privateMaterial(what: string, key: openpgp.PrivateKey): Needle[] {
  const packets = [key.keyPacket, ...key.subkeys.map((s) => s.keyPacket)] as unknown as Array<{ privateParams?: Record<string, Uint8Array> }>;
  const scalars = packets.flatMap((p, i) => Object.entries(p.privateParams ?? {}).map(([name, v]) => ({ name: `${what} key ${i} ${name}`, v: Buffer.from(v) })));
  expect(scalars.length, `${what}: decrypted key exposes its secret parameters`).toBeGreaterThanOrEqual(2);
  return [...scalars.flatMap((s) => needles(s.name, s.v)), { what: `${what} binary secret key`, bytes: Buffer.from(key.write()) }];
}

function pemMaterial(what: string, pem: string): Needle[] {
  const key = createPrivateKey(pem);
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const fields = ['d', 'p', 'q', 'dp', 'dq', 'qi'].filter((f) => typeof jwk[f] === 'string');
  expect(fields).toContain('d');
  return [...fields.flatMap((f) => needles(`${what} ${f}`, Buffer.from(jwk[f]!, 'base64url'))), { what: `${what} PKCS#8 DER`, bytes: key.export({ format: 'der', type: 'pkcs8' }) as Buffer }];
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/=+$/, '')) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function found(haystack: Buffer, list: Needle[]): string[] {
  return list.filter((n) => haystack.includes(n.bytes)).map((n) => n.what);
}

async function postgresDump(url: string): Promise<Buffer> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (await client.query(`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)).rows.map((r) => r.table_name as string);
    expect(tables).toEqual(expect.arrayContaining(['people', 'devices', 'person_key_locks', 'mfa_totp', 'login_throttle']));
    const parts: string[] = [];
    for (const table of tables) {
      for (const row of (await client.query(`select row_to_json(t)::text as j from "${table}" t`)).rows) parts.push(row.j as string);
    }
    return Buffer.from(parts.join('\n'), 'utf8');
  } finally {
    await client.end();
  }
}

describe.each(dialects())('identity secrets at rest on %s', (dialect: DialectName) => {
  let box: Sandbox;
  let zhang: Sandbox;
  let officerDeviceFile: string;
  let zhangDeviceFile: string;
  let enrollCode: string;
  let totpSecret: string;
  /** The one output that reveals the seed on purpose (gmv mfa enroll). */
  let revealed: string;
  /** --json outputs of routine (non-reveal) commands. */
  const outputs: { what: string; text: string }[] = [];
  let stored: Buffer;
  let reader: Database.Database | undefined;
  let zhangKeyNeedles: Needle[];

  const keep = (what: string, result: RunResult) => {
    expect(result.code, `${what}: ${result.stderr}`).toBe(0);
    outputs.push({ what, text: result.stdout });
    return result;
  };

  beforeAll(async () => {
    box = await sandbox(dialect);
    officerDeviceFile = (JSON.parse((await initVault(box.env, ['--json'])).stdout) as { deviceFile: string }).deviceFile;
    zhang = otherTerminal(box, 'zhang');
    const file = (name: string, value: string) => {
      const path = join(box.dir, name);
      writeFileSync(path, value, { mode: 0o600 });
      return path;
    };
    const zhangPass = file('zhang.pass', ZHANG_PASSPHRASE);
    const zhangNewPass = file('zhang-new.pass', ZHANG_NEW_PASSPHRASE);
    if (dialect === 'sqlite') {
      // A second connection keeps the writers' -wal file from being checkpointed away: it is read too.
      const { default: Sqlite } = await import('better-sqlite3');
      reader = new Sqlite(box.paths.defaultVault, { fileMustExist: true });
      reader.prepare('select count(*) from people').get();
    }
    keep('officer login', await gmv(['login', '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE }));
    keep('staff add', await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor', '--json'], { env: box.env }));
    const enrolled = JSON.parse(keep('device enroll', await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', zhangPass, '--json'], { env: zhang.env })).stdout) as { code: string; deviceFile: string };
    enrollCode = enrolled.code;
    zhangDeviceFile = enrolled.deviceFile;
    keep('device approve', await gmv(['device', 'approve', enrollCode, '--json'], { env: box.env }));
    keep('zhang login', await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', zhangPass, '--json'], { env: zhang.env }));

    // The passphrase change comes before TOTP (afterwards it would need a fresh one-time code too).
    keep('passphrase change', await gmv(['passphrase', 'change', '--passphrase-file', zhangPass, '--new-passphrase-file', zhangNewPass, '--json'], { env: zhang.env }));
    // What zhang's unlocked personal key holds, opened the way gmv does on his terminal (before
    // TOTP is enrolled: afterwards an unlock needs a fresh one-time code; the key stays the same).
    const vault = await openVault({ target: box.target, paths: localPaths(zhang.env) });
    try {
      const person = await unlockPerson(vault, 'zhang.wei', Secret.fromString(ZHANG_NEW_PASSPHRASE));
      zhangKeyNeedles = privateMaterial('zhang personal', person.key);
    } finally {
      await vault.store.close();
    }

    // TOTP: the enrollment output reveals the seed (that is its job), so it is not routine output.
    const mfa = parse<{ uri: string }>(await gmv(['mfa', 'enroll', '--json'], { env: zhang.env }));
    totpSecret = new URL(mfa.uri).searchParams.get('secret')!;
    revealed = mfa.uri;
    const code = (ms: number) => generateSync({ secret: totpSecret, algorithm: 'sha1', digits: 6, period: 30, epoch: Math.floor(ms / 1000) });
    keep('mfa confirm', await gmv(['mfa', 'enroll', '--confirm', '--totp-file', '-', '--json'], { env: zhang.env, input: code(Date.now()) }));
    expect((await gmv(['lock'], { env: zhang.env })).code).toBe(0);
    keep('zhang login with TOTP', await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', zhangNewPass, '--totp-file', '-', '--json'], { env: zhang.env, input: code(Date.now() + 30_000) }));
    // A wrong guess on the officer's terminal is recorded, but not the guess itself.
    const failed = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: box.env, input: WRONG_GUESS });
    expect(failed.code).toBe(5);
    outputs.push({ what: 'failed login', text: failed.stdout + failed.stderr });
    const wrongOnOwn = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: WRONG_GUESS });
    expect(wrongOnOwn.code).toBe(5);
    outputs.push({ what: 'wrong passphrase on own terminal', text: wrongOnOwn.stdout + wrongOnOwn.stderr });

    for (const [what, env, args] of [
      ['whoami (officer)', box.env, ['whoami', '--json']],
      ['whoami (zhang)', zhang.env, ['whoami', '--json']],
      ['staff list', box.env, ['staff', 'list', '--json']],
      ['staff show', box.env, ['staff', 'show', 'zhang.wei', '--json']],
      ['device list', box.env, ['device', 'list', '--json']],
      ['device list (zhang)', zhang.env, ['device', 'list', '--json']],
      ['unit list', box.env, ['unit', 'list', '--json']],
      ['audit log', box.env, ['audit', 'log', '--json']],
      ['audit verify', box.env, ['audit', 'verify', '--json']],
      ['staff list (human)', box.env, ['staff', 'list']],
      ['device list (human)', box.env, ['device', 'list']],
      ['audit log (human)', box.env, ['audit', 'log']],
    ] as const) keep(what, await gmv([...args], { env }));

    if (dialect === 'sqlite') {
      const wal = `${box.paths.defaultVault}-wal`;
      stored = Buffer.concat([readFileSync(box.paths.defaultVault), existsSync(wal) ? readFileSync(wal) : Buffer.alloc(0)]);
    } else {
      stored = await postgresDump(box.env.GMV_DATABASE_URL!);
    }
  }, 240_000);

  afterAll(async () => {
    reader?.close();
    await lockAll(box?.dir, [box?.env, zhang?.env]);
  });

  /** Every secret of the flow, by name. */
  const secrets = async (): Promise<Needle[]> => {
    const list: Needle[] = [];
    for (const [what, value] of [['officer passphrase', OFFICER_PASSPHRASE], ['zhang passphrase', ZHANG_PASSPHRASE], ['zhang new passphrase', ZHANG_NEW_PASSPHRASE], ['wrong guess', WRONG_GUESS]] as const) {
      list.push(...needles(what, Buffer.from(value, 'utf8')));
    }
    for (const [who, path] of [['officer', officerDeviceFile], ['zhang', zhangDeviceFile]] as const) {
      const device = JSON.parse(readFileSync(path, 'utf8')) as { secret: string; signing_key: string; rsa_key: string };
      const raw = Buffer.from(device.secret, 'base64');
      expect(raw.length).toBe(32);
      list.push({ what: `${who} device secret (as in the key file)`, bytes: Buffer.from(device.secret) }, ...needles(`${who} device secret`, raw));
      list.push(...privateMaterial(`${who} device signing`, await openpgp.readPrivateKey({ armoredKey: device.signing_key })));
      list.push(...pemMaterial(`${who} device RSA`, device.rsa_key));
    }
    list.push({ what: 'TOTP seed (base32)', bytes: Buffer.from(totpSecret) }, ...needles('TOTP seed bytes', base32Decode(totpSecret)));
    list.push({ what: 'enrollment code', bytes: Buffer.from(enrollCode) }, { what: 'enrollment code (no dash)', bytes: Buffer.from(enrollCode.replace('-', '')) });
    list.push(...zhangKeyNeedles);
    return list;
  };

  it('the search reads real vault content and real secrets (positive control)', async () => {
    expect(stored.includes(Buffer.from('张伟', 'utf8'))).toBe(true);
    expect(stored.includes(Buffer.from('mfa.enroll.confirm'))).toBe(true);
    expect(stored.includes(Buffer.from('person.passphrase'))).toBe(true);
    expect(totpSecret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(outputs.length).toBeGreaterThan(15);
    // The needles would be found if they were there: the key files and the reveal output hold them.
    const list = await secrets();
    expect(found(readFileSync(zhangDeviceFile), list)).toContain('zhang device secret (as in the key file)');
    expect(found(Buffer.from(revealed), list)).toEqual(['TOTP seed (base32)']);
  });

  it('no armored private key block in the database', () => {
    expect(stored.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
  });

  it('no passphrase, device secret, device key, personal key, TOTP seed or enrollment code in the database', async () => {
    expect(found(stored, await secrets())).toEqual([]);
  });

  it('no such secret in the --json (and table) outputs of routine commands', async () => {
    const list = await secrets();
    for (const { what, text } of outputs) {
      expect(text.includes('PRIVATE KEY'), what).toBe(false);
      expect(found(Buffer.from(text, 'utf8'), list.filter((n) => !(what === 'device enroll' && n.what.startsWith('enrollment code')))), what).toEqual([]);
    }
  });

  it('device key files are 0600 in 0700 folders on both terminals; the agent socket and cached policies are 0600 in a 0700 folder', () => {
    for (const [terminal, file] of [[box, officerDeviceFile], [zhang, zhangDeviceFile]] as const) {
      expect(dirname(file)).toBe(terminal.paths.devicesDir);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(terminal.paths.devicesDir).mode & 0o777).toBe(0o700);
      const run = join(terminal.env.XDG_CONFIG_HOME!, 'gmv', 'run');
      expect(statSync(run).mode & 0o777).toBe(0o700);
      // Agent sockets, and the parsed policies kept between commands (src/policy/policy-cache.ts).
      for (const name of readdirSync(run)) {
        const entry = lstatSync(join(run, name));
        expect(/^policy-[0-9a-f]{64}\.json$/.test(name) ? entry.isFile() : entry.isSocket(), name).toBe(true);
        expect(entry.mode & 0o777).toBe(0o600);
      }
    }
    if (dialect === 'sqlite') {
      expect(statSync(box.paths.defaultVault).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(box.paths.defaultVault)).mode & 0o777).toBe(0o700);
    }
    expect(statSync(join(box.dir, 'recovery.asc')).mode & 0o777).toBe(0o600);
  });
});
