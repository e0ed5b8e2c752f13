/**
 * Threat: an evidence "file" that never ends, or never opens, hangs the command that records it.
 *
 * Attacker's position: whoever names the evidence of a checklist step, a training or NDA record or a
 * counterfeit-account report — a typo'd `--evidence /dev/zero`, a FIFO no one writes to, a device.
 * Evidence is hashed in chunks with no size limit (a scan or a video can be large), so /dev/zero
 * spun forever at full CPU and a FIFO without a writer blocked in open(), where not even Ctrl+C
 * reached gmv.
 *
 * What must hold: evidence must be a regular file, whose hash can be checked again later; anything
 * else is refused at once (FILE_UNREADABLE, exit 8) naming the path, and nothing is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { BIN, gmv, initVault, OFFICER_PASSPHRASE, type RunResult, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

/** The built gmv, killed after a deadline so a hang fails the test instead of the run. */
function within(ms: number, args: string[], env: Record<string, string>): Promise<RunResult & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe.each(dialects())('evidence that is not a regular file, on %s', (dialect) => {
  let box: Sandbox;
  let run: string;
  let fifo: string;

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    run = parse<{ run: { id: string } }>(await gmv(['checklist', 'start', 'security-inspection', '--json'], { env: box.env })).run.id;
    fifo = join(box.dir, 'evidence.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  const devicesStep = async () => parse<{ run: { steps: { id: string; status: string }[] } }>(await gmv(['checklist', 'show', run, '--json'], { env: box.env })).run.steps.find((s) => s.id === 'devices');

  it.each([['/dev/zero', () => '/dev/zero'], ['a FIFO no one writes to', () => fifo]])('checklist step --evidence %s is refused at once (exit 8)', async (_what, path) => {
    const before = await devicesStep();
    const r = await within(15_000, ['checklist', 'step', run, 'devices', '--status', 'done', '--evidence', path(), '--json'], box.env);
    expect(r.code, `exit ${r.code} after ${r.ms} ms: ${r.stderr.slice(0, 300)}`).toBe(8);
    expect(r.ms).toBeLessThan(10_000);
    expect(JSON.parse(r.stdout).error.code).toBe('FILE_UNREADABLE');
    expect(r.stderr).toContain(`Cannot read ${path()}: not a regular file`);
    expect(await devicesStep()).toEqual(before);
    const zh = await within(15_000, ['checklist', 'step', run, 'devices', '--status', 'done', '--evidence', path(), '--lang', 'zh-CN'], box.env);
    expect(zh.code).toBe(8);
    expect(zh.stderr).toContain('不是普通文件');
  });

  it('impersonation report --evidence /dev/zero is refused at once and opens no case', async () => {
    const r = await within(15_000, ['impersonation', 'report', '--platform', 'weibo', '--url', 'https://weibo.com/u/1', '--evidence', '/dev/zero'], box.env);
    expect(r.code, `exit ${r.code} after ${r.ms} ms: ${r.stderr.slice(0, 300)}`).toBe(8);
    expect(parse<{ cases: unknown[] }>(await gmv(['impersonation', 'list', '--json'], { env: box.env })).cases).toEqual([]);
  });

  it('a regular file is still taken as evidence', async () => {
    const file = join(box.dir, 'devices.txt');
    writeFileSync(file, 'terminals reviewed\n');
    const r = await gmv(['checklist', 'step', run, 'devices', '--status', 'done', '--evidence', file], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect((await devicesStep())?.status).toBe('done');
  });
});
