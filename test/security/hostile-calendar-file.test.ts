/**
 * Threat: a calendar file built to exhaust the terminal, or saved in the wrong encoding.
 *
 * Attacker's position: whoever hands a security officer "next year's calendar" for `gmv calendar
 * import` — a YAML file of nested aliases (a billion laughs: a few hundred bytes that expand to
 * billions of nodes), a path to /dev/zero, or the State Council's notice saved as GBK. The alias
 * bomb ended in "Internal error" (exit 1), /dev/zero grew gmv until it aborted (exit 134), and a GBK
 * file was stored with every holiday name turned into U+FFFD.
 *
 * What must hold: each is refused as bad input (exit 11) with a message that names the file, in the
 * person's language, fast and in bounded memory; no calendar is stored and no import is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { BIN, gmv, initVault, OFFICER_PASSPHRASE, type RunResult } from '../helpers/cli.js';
import { CALENDAR_2027 } from '../helpers/calendars.js';
import { audit, lockAll } from '../helpers/session-helpers.js';

/** The built gmv under `ulimit -v` (3 GB) and a deadline, so a regression fails instead of exhausting the machine. */
function capped(args: string[], env: Record<string, string>, deadlineMs = 20_000): Promise<RunResult & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'ulimit -v 3000000 && exec "$@"', 'sh', process.execPath, BIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

const LAUGHS = ['year: 2027', 'holidays: &a [{name: x, from: 2027-01-01}]', 'lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...Array.from({ length: 8 }, (_, i) => `lol${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`), ''].join('\n');

describe.each(dialects())('a hostile calendar file on %s', (dialect) => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  const nothingStored = async () => {
    expect((await audit(box.env, 'calendar.import')).filter((e) => e.outcome === 'ok')).toEqual([]);
    expect((await gmv(['calendar', 'is-workday', '2027-10-09'], { env: box.env })).code).toBe(12);
  };

  it('a billion laughs of YAML aliases is an invalid calendar (exit 11), not an internal error', async () => {
    const file = join(box.dir, 'laughs.yaml');
    writeFileSync(file, LAUGHS);
    const json = await capped(['calendar', 'import', file, '--json'], box.env);
    expect(json.code, json.stderr).toBe(11);
    expect(JSON.parse(json.stdout).error.code).toBe('CALENDAR_INVALID');
    const human = await capped(['calendar', 'import', file], box.env);
    expect(human.stderr).toContain('laughs.yaml:');
    expect(human.stderr).not.toMatch(/Internal error|\n\s+at /);
    const zh = await capped(['calendar', 'import', file, '--lang', 'zh-CN'], box.env);
    expect(zh.code).toBe(11);
    expect(zh.stderr).toContain('日历 laughs.yaml:');
    await nothingStored();
  });

  it('/dev/zero is refused at once as too large (exit 11), in bounded memory', async () => {
    const r = await capped(['calendar', 'import', '/dev/zero', '--json'], box.env);
    expect(r.code, `exit ${r.code} after ${r.ms} ms: ${r.stderr.slice(0, 300)}`).toBe(11);
    expect(r.ms).toBeLessThan(10_000);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'INPUT_TOO_LARGE' });
    expect(r.stderr).toMatch(/\/dev\/zero .*\d+ (KiB|MiB)/);
    await nothingStored();
  });

  it('a calendar saved as GBK is refused naming its first bad line, not stored as U+FFFD', async () => {
    const file = join(box.dir, '2027-gbk.yaml');
    // 元旦 in GBK (D4AA B5A9), on line 5 of the file.
    const [head, tail] = CALENDAR_2027.split(/元旦(.*)/s);
    writeFileSync(file, Buffer.concat([Buffer.from(head!), Buffer.from('d4aab5a9', 'hex'), Buffer.from(tail!)]));
    const r = await gmv(['calendar', 'import', file, '--json'], { env: box.env });
    expect(r.code, r.stderr).toBe(11);
    expect(JSON.parse(r.stdout).error.code).toBe('INPUT_NOT_UTF8');
    expect(r.stderr).toContain(`${file} is not UTF-8 (line 5 is not)`);
    await nothingStored();
  });

  it('the same calendar in UTF-8 is still imported', async () => {
    const file = join(box.dir, '2027.yaml');
    writeFileSync(file, CALENDAR_2027);
    const r = await gmv(['calendar', 'import', file], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect((await gmv(['calendar', 'is-workday', '2027-10-09'], { env: box.env })).stdout).toBe('yes\n');
  });
});
