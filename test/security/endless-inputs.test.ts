/**
 * Threat: an endless or huge input exhausts the terminal's memory and disk.
 *
 * Attacker's position: whoever chooses a file gmv reads, or feeds its standard input: a script
 * that passes `--passphrase-file /dev/zero`, a FIFO fed forever, an "export" of many gigabytes
 * handed over for `gmv import`, a policy pack, an auditor's checkpoint or a recovery share that
 * never ends. Reading such a file whole grew gmv to 12 GB before anything was checked.
 *
 * What must hold: every reader of a user-supplied file or of standard input stops at its limit and
 * refuses with INPUT_TOO_LARGE (exit 11) naming the file and the limit, quickly (it never reads past
 * the limit), and nothing is stored. Each run here is capped at 3 GB of address space and killed
 * after a deadline, so a regression fails the test instead of exhausting the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { BIN, gmv, initVault, OFFICER_PASSPHRASE, type RunResult, train } from '../helpers/cli.js';

interface CappedResult extends RunResult { ms: number }

/** The built gmv under `ulimit -v` and a deadline; `stdinPath` is opened as its standard input. */
function capped(args: string[], env: Record<string, string>, stdinPath?: string, deadlineMs = 20_000): Promise<CappedResult> {
  const stdin = stdinPath ? openSync(stdinPath, 'r') : 'ignore';
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'ulimit -v 3000000 && exec "$@"', 'sh', process.execPath, BIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', NODE_ENV: 'production', ...env },
      stdio: [stdin, 'pipe', 'pipe'],
    });
    if (typeof stdin === 'number') closeSync(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Refused fast with INPUT_TOO_LARGE, naming the file and a limit. */
function expectTooLarge(result: CappedResult, file: string): void {
  expect(result.code, `exit ${result.code} after ${result.ms} ms: ${result.stderr.slice(0, 300)}`).toBe(11);
  expect(result.ms).toBeLessThan(10_000);
  expect(result.stderr).toContain(file);
  expect(result.stderr).toMatch(/\d+ (KiB|MiB)/);
}

describe('endless and huge inputs', () => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    expect((await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,otp,manage'], { env: box.env })).code).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  const stored = async () => (JSON.parse((await gmv(['account', 'show', 'weibo-press', '--json'], { env: box.env })).stdout) as { account: { fields: string[] } }).account.fields;
  const secretSets = async () => (JSON.parse((await gmv(['audit', 'log', '--json', '--action', 'secret.set'], { env: box.env })).stdout) as { entries: unknown[] }).entries.length;

  it('--passphrase-file /dev/zero fails fast with INPUT_TOO_LARGE, and so does /dev/zero on standard input', async () => {
    expectTooLarge(await capped(['login', '--login', 'li.an', '--passphrase-file', '/dev/zero'], box.env), '/dev/zero');
    const json = await capped(['login', '--login', 'li.an', '--passphrase-file', '/dev/zero', '--json'], box.env);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'INPUT_TOO_LARGE', exit: 11 });
    expectTooLarge(await capped(['login', '--login', 'li.an', '--passphrase-file', '-'], box.env, '/dev/zero'), 'standard input');
    expectTooLarge(await capped(['passphrase', 'change', '--login', 'li.an', '--passphrase-file', '/dev/zero', '--new-passphrase-file', '/dev/zero'], box.env), '/dev/zero');
    // The session started in beforeAll still works: nothing was changed.
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(0);
  });

  it('secret set --from-file refuses /dev/zero, an endless FIFO and an over-size file, and stores nothing', async () => {
    const before = await secretSets();
    expectTooLarge(await capped(['secret', 'set', 'weibo-press', '--field', 'notes', '--from-file', '/dev/zero'], box.env), '/dev/zero');
    expectTooLarge(await capped(['secret', 'set', 'weibo-press', '--field', 'notes', '--from-file', '-'], box.env, '/dev/zero'), 'standard input');

    const fifo = join(box.dir, 'endless.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('/bin/sh', ['-c', `exec cat /dev/zero > '${fifo}'`], { stdio: 'ignore' });
    try {
      expectTooLarge(await capped(['secret', 'set', 'weibo-press', '--field', 'notes', '--from-file', fifo], box.env), fifo);
    } finally {
      writer.kill('SIGKILL');
    }

    const big = join(box.dir, 'notes.txt');
    writeFileSync(big, 'n'.repeat(1024 * 1024));
    expectTooLarge(await capped(['secret', 'set', 'weibo-press', '--field', 'notes', '--from-file', big], box.env), big);
    expect(await stored()).toEqual([]);
    expect(await secretSets()).toBe(before);

    // An ordinary value is still taken.
    writeFileSync(big, 'Weibo-Press-Secret-1\n');
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', big], { env: box.env })).code).toBe(0);
    expect(await stored()).toEqual(['password']);
  });

  it('gmv import refuses /dev/zero and an over-size export, and imports nothing', async () => {
    const accounts = async () => (JSON.parse((await gmv(['account', 'list', '--json'], { env: box.env })).stdout) as { accounts: unknown[] }).accounts.length;
    const before = await accounts();
    expectTooLarge(await capped(['import', 'bitwarden', '/dev/zero'], box.env), '/dev/zero');
    const big = join(box.dir, 'huge-export.json');
    const item = { type: 1, name: 'Bilibili official', login: { username: 'bili_gov', password: 'Bw-Bili-Pass-3', uris: [{ uri: 'https://passport.bilibili.com/login' }] } };
    writeFileSync(big, JSON.stringify({ encrypted: false, items: Array.from({ length: 1 }, () => item), padding: ' '.repeat(40 * 1024 * 1024) }));
    expectTooLarge(await capped(['import', 'bitwarden', big], box.env), big);
    expect(await accounts()).toBe(before);
  });

  it('a policy pack, an auditor\'s checkpoint and recovery files that never end are refused', async () => {
    const fresh = await sandbox('sqlite');
    const passFile = join(fresh.dir, 'pass.txt');
    writeFileSync(passFile, OFFICER_PASSPHRASE);
    const init = await capped(['init', '--org', '沈阳市测试局', '--unit', '宣传科', '--officer', '李安', '--login', 'li.an', '--passphrase-file', passFile,
      '--recovery-key-out', join(fresh.dir, 'recovery.asc'), '--policy', '/dev/zero'], fresh.env);
    expectTooLarge(init, '/dev/zero');
    expect(existsSync(fresh.paths.defaultVault)).toBe(false);

    expectTooLarge(await capped(['audit', 'verify', '--since-checkpoint', '/dev/zero'], box.env), '/dev/zero');
    expectTooLarge(await capped(['recover', '--login', 'li.an', '--share', '/dev/zero', '--passphrase-file', passFile], box.env), '/dev/zero');
    expectTooLarge(await capped(['recover', '--login', 'li.an', '--recovery-key', '/dev/zero', '--passphrase-file', passFile], box.env), '/dev/zero');
  });
});
