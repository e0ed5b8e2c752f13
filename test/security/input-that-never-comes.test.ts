/**
 * Threat: an input that never arrives holds gmv beyond Ctrl+C.
 *
 * Attacker's position (or plain mistake): a file argument that is a FIFO no one writes to (a named
 * pipe left from a script, `--passphrase-file` pointing at one), or a terminal that never sends EOF.
 * Opening a FIFO without a writer blocks in the kernel; with gmv's own Ctrl+C handler installed the
 * signal waited for a thread that never returned, and only SIGKILL ended the command.
 *
 * What must hold: Ctrl+C ends such a read at once (SIGINT, exit 130 as shells report it, nothing
 * written), while a FIFO whose writer comes late is still read whole, as pipes are meant to be.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { BIN, gmv } from '../helpers/cli.js';

const POLICY = join(import.meta.dirname, '..', '..', 'policies', 'default.yaml');

/** Where the process `pid` waits in the kernel (Linux: "wait_for_partner" while it opens a FIFO no one writes to). */
const waitingIn = (pid: number) => { try { return readFileSync(`/proc/${pid}/wchan`, 'utf8'); } catch { return ''; } };

/**
 * The built gmv, sent SIGINT once it is blocked opening the FIFO (polled, not guessed: on a loaded
 * machine a fixed delay could land before its own Ctrl+C handler exists, or before the read); how it
 * ended, or 'still running' a few seconds later.
 */
async function interrupted(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  const deadline = Date.now() + 20_000;
  while (!waitingIn(child.pid!).includes('wait_for_partner') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(waitingIn(child.pid!), 'gmv blocks opening the FIFO').toContain('wait_for_partner');
  child.kill('SIGINT');
  const ended = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 4000))]);
  child.kill('SIGKILL');
  return ended;
}

describe('a FIFO that no one writes to', () => {
  let box: Sandbox;
  let fifo = 0;
  const newFifo = () => {
    const path = join(box.dir, `fifo-${fifo++}`);
    execFileSync('mkfifo', [path]);
    return path;
  };
  beforeAll(async () => {
    box = await sandbox('sqlite');
  });

  it('policy validate and init --passphrase-file give way to Ctrl+C, and nothing is created', async () => {
    expect(await interrupted(['policy', 'validate', newFifo()], box.env)).toBe('SIGINT');
    const pass = newFifo();
    expect(await interrupted(['init', '--org', '测试局', '--unit', '宣传科', '--officer', '李安', '--login', 'li.an', '--passphrase-file', pass, '--recovery-key-out', join(box.dir, 'recovery.asc')], box.env)).toBe('SIGINT');
    expect(existsSync(join(box.dir, 'recovery.asc'))).toBe(false);
    if (box.target.kind === 'sqlite') expect(existsSync(box.target.path)).toBe(false);
  });

  it('is still read whole when its writer comes late', async () => {
    const path = newFifo();
    setTimeout(() => writeFileSync(path, readFileSync(POLICY)), 700);
    const r = await gmv(['policy', 'validate', path], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('a valid policy pack');
  });
});
