/**
 * Threat: the session agent leaks the unlocked key.
 *
 * Attacker's position: a process on the same machine while the officer is logged in. As another
 * user it can see the agent's socket path and the process list; as the same user it can connect
 * to the socket and speak its protocol. It reads /proc/<pid>/cmdline and /proc/<pid>/environ of
 * the agent (world-readable for cmdline), and tries every request name that might export a key.
 *
 * What must hold: the socket is srw------- in a 0700 folder (also under XDG_RUNTIME_DIR, even when
 * that folder existed with looser permissions); the protocol answers `status` with session
 * metadata only, and no request returns the private key (unknown requests are refused), nor signs
 * anything but a canonical checkpoint of its own vault (or a record, or a text beginning as a
 * compliance report of its own vault does); the
 * agent's command line and environment hold neither the passphrase nor any key material, and the
 * agent does not inherit the caller's environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { openVault } from '../../src/services/vault.js';
import { unlockPerson } from '../../src/services/unlock.js';
import { Secret } from '../../src/crypto/secret.js';
import { localPaths } from '../../src/local/paths.js';
import { lockAll } from '../helpers/session-helpers.js';
import { canonicalJson } from '../../src/domain/canonical.js';


const CANARY = 'canary-env-value-9d1c2f';

/** One request line, one response line. */
function ask(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = createConnection(socket);
    let buffered = '';
    client.setEncoding('utf8');
    client.setTimeout(5000, () => client.destroy(new Error('agent timeout')));
    client.on('connect', () => client.write(`${line}\n`));
    client.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        client.end();
        resolve(buffered.slice(0, newline));
      }
    });
    client.on('error', reject);
    client.on('close', () => resolve(buffered));
  });
}

/** Live (non-zombie) pids holding a Unix socket bound to `path`. */
function socketOwners(path: string): number[] {
  const inodes = new Set(readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/)).filter((f) => f[7] === path).map((f) => f[6]!));
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue;
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) { pids.push(Number(entry)); break; }
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}

function onlySocket(dir: string): string {
  const socks = readdirSync(dir).filter((n) => n.endsWith('.sock'));
  expect(socks).toHaveLength(1);
  return join(dir, socks[0]!);
}

/** A secret as text, hex and base64 (the forms it could be printed in). */
function forms(raw: Buffer): string[] {
  return [raw.toString('hex'), raw.toString('hex').toUpperCase(), raw.toString('base64').slice(0, 40), raw.toString('base64url').slice(0, 40)];
}

describe.each(dialects())('session agent on %s', (dialect) => {
  let box: Sandbox;
  let runtime: Record<string, string>;
  let socket: string;
  /** Strings that must never leave the agent: passphrase, key material, device secret. */
  let secrets: string[];

  beforeAll(async () => {
    box = await sandbox(dialect);
    const created = JSON.parse((await initVault(box.env, ['--json'])).stdout) as { deviceFile: string };
    const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: { ...box.env, GMV_TEST_CANARY: CANARY }, input: OFFICER_PASSPHRASE });
    expect(login.code, login.stderr).toBe(0);
    socket = onlySocket(join(box.env.XDG_CONFIG_HOME!, 'gmv', 'run'));

    // What the agent holds, unlocked the way gmv does, to search its answers for.
    const vault = await openVault({ target: box.target, paths: localPaths(box.env) });
    try {
      const person = await unlockPerson(vault, 'li.an', Secret.fromString(OFFICER_PASSPHRASE));
      const packets = [person.key.keyPacket, ...person.key.subkeys.map((s) => s.keyPacket)] as unknown as Array<{ privateParams?: Record<string, Uint8Array> }>;
      const scalars = packets.flatMap((p) => Object.values(p.privateParams ?? {})).map((v) => Buffer.from(v));
      expect(scalars.length).toBeGreaterThanOrEqual(2);
      const device = JSON.parse(readFileSync(created.deviceFile, 'utf8')) as { secret: string };
      secrets = [OFFICER_PASSPHRASE, 'PRIVATE KEY', device.secret, ...forms(Buffer.from(device.secret, 'base64')), ...scalars.flatMap(forms)];
    } finally {
      await vault.store.close();
    }
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, runtime]);
  });

  it('the socket is srw------- in a 0700 folder owned by the user', () => {
    const st = lstatSync(socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(process.getuid!());
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    expect(dirname(socket)).toBe(join(box.env.XDG_CONFIG_HOME!, 'gmv', 'run'));
  });

  it('under XDG_RUNTIME_DIR too, even when its gmv folder existed with looser permissions', async () => {
    const dir = join(box.dir, 'xdg-runtime');
    mkdirSync(join(dir, 'gmv'), { recursive: true, mode: 0o755 });
    expect(statSync(join(dir, 'gmv')).mode & 0o777).toBe(0o755);
    runtime = { ...box.env, XDG_RUNTIME_DIR: dir };
    const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: runtime, input: OFFICER_PASSPHRASE });
    expect(login.code, login.stderr).toBe(0);
    const sock = onlySocket(join(dir, 'gmv'));
    expect(lstatSync(sock).isSocket()).toBe(true);
    expect(lstatSync(sock).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'gmv')).mode & 0o777).toBe(0o700);
    expect(parse(await gmv(['whoami', '--json'], { env: runtime }))).toMatchObject({ login: 'li.an' });
    expect((await gmv(['lock'], { env: runtime })).code).toBe(0);
  });

  it('status answers session metadata only, with no key material', async () => {
    const raw = await ask(socket, JSON.stringify({ op: 'status' }));
    const answer = JSON.parse(raw) as { ok: boolean; session: Record<string, unknown> };
    expect(answer.ok).toBe(true);
    expect(Object.keys(answer).sort()).toEqual(['ok', 'session']);
    expect(Object.keys(answer.session).sort()).toEqual(['deviceId', 'expiresAt', 'idleExpiresAt', 'keyFingerprint', 'login', 'name', 'personId', 'startedAt', 'vaultId']);
    expect(answer.session).toMatchObject({ login: 'li.an', name: '李安' });
    expect(answer.session.keyFingerprint).toMatch(/^[0-9A-F]{40}$/);
    for (const s of secrets) expect(raw.includes(s), 'status leaks a secret').toBe(false);
  });

  it('no request exports the key: unknown operations and malformed lines are refused', async () => {
    const attempts = ['export', 'key', 'privateKey', 'private_key', 'getKey', 'export-key', 'exportKey', 'dump', 'armor', 'unlock', 'boot', 'debug', 'eval', '__proto__', 'constructor', 'toString'];
    for (const op of attempts) {
      const raw = await ask(socket, JSON.stringify({ op, format: 'armored' }));
      expect(JSON.parse(raw), op).toEqual({ ok: false, error: 'unknown request' });
    }
    const odd = [JSON.stringify({}), JSON.stringify({ op: null }), JSON.stringify({ op: ['status'] }), '"status"', 'null'];
    for (const line of odd) {
      const raw = await ask(socket, line);
      expect(raw.includes('PRIVATE'), line).toBe(false);
      for (const s of secrets) expect(raw.includes(s), `${line} leaks a secret`).toBe(false);
    }
    expect(JSON.parse(await ask(socket, '{not json'))).toEqual({ ok: false, error: 'malformed request' });
    // Decrypting garbage fails without detail.
    expect(JSON.parse(await ask(socket, JSON.stringify({ op: 'decrypt', data: Buffer.from('not a message').toString('base64') })))).toEqual({ ok: false, error: 'operation failed' });
    // A session key only of a message addressed to its key: key packets of anything else give nothing.
    expect(JSON.parse(await ask(socket, JSON.stringify({ op: 'session-key', data: Buffer.from('not key packets').toString('base64') })))).toEqual({ ok: false, error: 'not addressed to this key' });
    // A backup manifest of another vault is not signed either.
    expect(JSON.parse(await ask(socket, JSON.stringify({ op: 'sign', data: Buffer.from(JSON.stringify({ format: 'gmv-backup/1', vault: 'another-vault' })).toString('base64') })))).toEqual({ ok: false, error: 'refused' });
    // The agent signs checkpoints of its own vault, in canonical form, and nothing else...
    // A compliance report is signed only when it begins as a report of this vault does: not another
    // vault's, not one with the marker further down, not a different first line.
    const reports = ['<!-- gmv-report/1 vault another-vault -->\n# x', 'Pay 10,000 yuan to …\n<!-- gmv-report/1 vault ', '<!doctype html>\n<p>hi</p>'];
    for (const data of ['hello', ...reports, JSON.stringify({ kind: 'gmv.audit.checkpoint', v: 1, vault: 'another-vault', size: 1, root: '0'.repeat(64), at: '2026-11-29T00:00:00.000Z' })]) {
      expect(JSON.parse(await ask(socket, JSON.stringify({ op: 'sign', data: Buffer.from(data).toString('base64') }))), data).toEqual({ ok: false, error: 'refused' });
    }
    // ...and returns a signature, not the key.
    const session = (JSON.parse(await ask(socket, JSON.stringify({ op: 'status' }))) as { session: { vaultId: string } }).session;
    const checkpoint = canonicalJson({ kind: 'gmv.audit.checkpoint', v: 1, vault: session.vaultId, size: 1, root: '0'.repeat(64), at: '2026-11-29T00:00:00.000Z' });
    const signed = JSON.parse(await ask(socket, JSON.stringify({ op: 'sign', data: Buffer.from(checkpoint).toString('base64') }))) as { ok: boolean; data: string };
    expect(signed.ok).toBe(true);
    const signature = Buffer.from(signed.data, 'base64');
    expect(signature.length).toBeLessThan(400);
    for (const s of secrets) expect(signed.data.includes(s) || signature.toString('latin1').includes(s)).toBe(false);
    // The agent still serves its session afterwards.
    expect(JSON.parse(await ask(socket, JSON.stringify({ op: 'status' }))).ok).toBe(true);
  });

  it('the agent\'s command line and environment hold no passphrase, no key and none of the caller\'s environment', () => {
    const pids = socketOwners(socket);
    expect(pids).toHaveLength(1);
    const pid = pids[0]!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    expect(cmdline.startsWith('gmv-agent')).toBe(true);
    for (const [what, text] of [['cmdline', cmdline], ['environ', environ]] as const) {
      for (const s of secrets) expect(text.includes(s), `${what} holds a secret`).toBe(false);
      expect(text.includes('BEGIN PGP'), what).toBe(false);
    }
    const names = environ.split('\0').filter(Boolean).map((v) => v.slice(0, v.indexOf('=')));
    expect(names).not.toContain('GMV_TEST_CANARY');
    expect(environ).not.toContain(CANARY);
    expect(names.filter((n) => n.startsWith('GMV_'))).toEqual([]);
    // Its standard streams are not left connected to anything that could replay the boot data.
    expect(readlinkSync(`/proc/${pid}/fd/2`)).toBe('/dev/null');
  });
});

function parse(result: { code: number; stdout: string; stderr: string }): Record<string, unknown> {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
