/**
 * Threat: the unlocked key leaks through a core dump of the session agent.
 *
 * Attacker's position: a process of the same user on the officer's machine, or whoever later reads
 * the folder the officer worked in (a shared project folder, a backup of it, a crash-report upload).
 * The officer's shell runs with `ulimit -c unlimited` (a developer setting, or a profile the
 * attacker edited). The attacker sends SIGABRT to the live agent, which makes the kernel write a
 * core file (by default `core` in the process's working directory) holding all of its memory.
 *
 * What must hold: the agent dies without writing any file that holds the decrypted personal key:
 * none of its secret parameters (raw, hex or base64) nor the binary secret key appears in any file
 * in the folder `gmv login` ran in, the agent's working directory, the sandbox, or the folder the
 * kernel's core_pattern names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type * as openpgp from 'openpgp';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { BIN, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { openVault } from '../../src/services/vault.js';
import { unlockPerson } from '../../src/services/unlock.js';
import { Secret } from '../../src/crypto/secret.js';
import { localPaths } from '../../src/local/paths.js';
import { lockAll } from '../helpers/session-helpers.js';
import { agentSockets, socketOwners, waitGone } from '../helpers/agent-process.js';

interface Needle { what: string; bytes: Buffer }

function needles(what: string, raw: Buffer): Needle[] {
  const out: Needle[] = [{ what: `${what} (raw)`, bytes: raw }, { what: `${what} (hex)`, bytes: Buffer.from(raw.toString('hex')) }];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    out.push({ what: `${what} (base64 #${shift})`, bytes: Buffer.from(b64.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + raw.length)) / 6))) });
  }
  return out;
}

function privateMaterial(key: openpgp.PrivateKey): Needle[] {
  const packets = [key.keyPacket, ...key.subkeys.map((s) => s.keyPacket)] as unknown as Array<{ privateParams?: Record<string, Uint8Array> }>;
  const scalars = packets.flatMap((p, i) => Object.entries(p.privateParams ?? {}).map(([name, v]) => ({ name: `key ${i} ${name}`, v: Buffer.from(v) })));
  expect(scalars.length).toBeGreaterThanOrEqual(2);
  return [...scalars.flatMap((s) => needles(s.name, s.v)), { what: 'binary secret key', bytes: Buffer.from(key.write()) }];
}

function filesUnder(dir: string, since: number): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return entries.map((e) => join(dir, e)).filter((path) => {
    try {
      const s = statSync(path);
      return s.isFile() && s.mtimeMs >= since;
    } catch {
      return false;
    }
  });
}

/** `gmv login` from a shell with unlimited core files, in `cwd`. */
function loginUnderUnlimitedCores(env: Record<string, string>, cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'ulimit -c unlimited && exec "$0" "$1" login --login li.an --passphrase-file -', process.execPath, BIN], {
      cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', NODE_ENV: 'production', ...env }, stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
    child.stdin.end(OFFICER_PASSPHRASE);
  });
}

describe('SIGABRT to a live agent under ulimit -c unlimited', () => {
  let box: Sandbox;
  let keyNeedles: Needle[];

  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    const vault = await openVault({ target: box.target, paths: localPaths(box.env) });
    try {
      keyNeedles = privateMaterial((await unlockPerson(vault, 'li.an', Secret.fromString(OFFICER_PASSPHRASE))).key);
    } finally {
      await vault.store.close();
    }
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('leaves no key material in any file', async () => {
    const work = join(box.dir, 'work');
    mkdirSync(work);
    const started = Date.now() - 1000;
    const login = await loginUnderUnlimitedCores(box.env, work);
    expect(login.code, login.stderr).toBe(0);

    const [socket] = agentSockets(box.paths.runtimeDir);
    expect(socket).toBeDefined();
    const [pid] = socketOwners(socket!);
    expect(pid).toBeDefined();
    const agentCwd = readlinkSync(`/proc/${pid}/cwd`);

    process.kill(pid!, 'SIGABRT');
    expect(await waitGone(pid!)).toBe(true);
    // The kernel has finished writing any core file once the process is gone; give a piped
    // core handler a moment too.
    await new Promise((r) => setTimeout(r, 500));

    const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
    const dirs = [work, box.dir, agentCwd === '/' ? null : agentCwd, isAbsolute(pattern) ? dirname(pattern) : null].filter((d): d is string => d !== null);
    const files = [...new Set(dirs.flatMap((d) => filesUnder(d, started)))];
    const leaks: string[] = [];
    for (const file of files) {
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch {
        continue;
      }
      for (const n of keyNeedles) if (content.includes(n.bytes)) leaks.push(`${file}: ${n.what}`);
    }
    expect(leaks).toEqual([]);
    // With the default pattern a core would be named core or core.<pid> in the working directory.
    expect(files.filter((f) => /(^|\/)core(\.\d+)?$/.test(f))).toEqual([]);
  });
});
