/**
 * A person at a real terminal (tmux drives a pseudo-terminal): `-` and a missing value ask with a
 * hidden prompt that states the rules first, asks again in place when a value is refused or the
 * two entries differ, and Ctrl+C ends with "Cancelled", exit 130 and nothing written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { lockAll } from '../helpers/session-helpers.js';

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One gmv run in its own tmux window; the exit code lands in a file when it ends. */
class TerminalRun {
  readonly name: string;
  readonly done: string;
  constructor(box: Sandbox, args: string[], env: Record<string, string> = {}) {
    this.name = `gmv-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.done = join(box.dir, `${this.name}.exit`);
    const script = join(box.dir, `${this.name}.sh`);
    const vars = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', NODE_ENV: 'production', ...box.env, ...env };
    const exports = Object.entries(vars).map(([k, v]) => `export ${k}=${JSON.stringify(v)}`).join('\n');
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    writeFileSync(script, `${exports}\n${quoted}\necho $? > ${JSON.stringify(this.done)}\nsleep 30\n`);
    execFileSync('tmux', ['new-session', '-d', '-s', this.name, '-x', '160', '-y', '40', `bash ${script}`]);
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-t', this.name], { encoding: 'utf8' });
  }

  /** Wait until the screen shows `text` (the prompt is up), then return the screen. */
  async waitFor(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() > until) throw new Error(`timed out waiting for ${String(text)}; screen:\n${screen}`);
      await sleep(100);
    }
  }

  type(text: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
    execFileSync('tmux', ['send-keys', '-t', this.name, 'Enter']);
  }

  key(key: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, key]);
  }

  async exitCode(timeoutMs = 60_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (!existsSync(this.done) || readFileSync(this.done, 'utf8').trim() === '') {
      if (Date.now() > until) throw new Error(`gmv did not end; screen:\n${this.screen()}`);
      await sleep(100);
    }
    return Number(readFileSync(this.done, 'utf8').trim());
  }

  close(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

describe.skipIf(!hasTmux())('typing secrets at a terminal', () => {
  const runs: TerminalRun[] = [];
  const boxes: Sandbox[] = [];
  const run = (box: Sandbox, args: string[], env?: Record<string, string>) => {
    const r = new TerminalRun(box, args, env);
    runs.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of runs) r.close();
    await lockAll(undefined, boxes.map((b) => b.env));
  });

  const initArgs = (box: Sandbox) => ['init', '--org', '沈阳市测试局', '--unit', '宣传科', '--officer', '李安', '--login', 'li.an', '--passphrase-file', '-', '--recovery-key-out', join(box.dir, 'recovery.asc')];

  it('gmv init --passphrase-file - asks, hidden, states the rules, re-asks a weak or mismatched passphrase, then creates the vault', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    const t = run(box, initArgs(box));
    const first = await t.waitFor('New passphrase for li.an');
    expect(first).toMatch(/at least 12 characters/);
    t.type('short-one');
    const refused = await t.waitFor('shorter than 12 characters');
    expect(refused).not.toContain('short-one');
    // The same prompt, asked again in place: the weak value is replaced, not the command aborted.
    execFileSync('tmux', ['send-keys', '-t', t.name, 'C-u']);
    t.type(OFFICER_PASSPHRASE);
    await t.waitFor('Repeat the passphrase');
    t.type('plum-blossom-7Q-canal-lanterX');
    await t.waitFor('The two entries differ');
    await t.waitFor(/New passphrase for li\.an[\s\S]*differ[\s\S]*New passphrase for li\.an/);
    t.type(OFFICER_PASSPHRASE);
    await t.waitFor(/differ[\s\S]*Repeat the passphrase/);
    t.type(OFFICER_PASSPHRASE);
    expect(await t.exitCode(), t.screen()).toBe(0);
    const screen = t.screen();
    expect(screen).not.toContain(OFFICER_PASSPHRASE);
    expect(screen).not.toContain('canal');
    // The vault opens with the passphrase typed at the prompt.
    const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(login.code, login.stderr).toBe(0);
  });

  it('Ctrl+C at the prompt of gmv init is "Cancelled", exit 130, and no vault is created', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    const t = run(box, initArgs(box));
    await t.waitFor('New passphrase for li.an');
    t.key('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(t.screen()).toContain('Cancelled. Nothing was written.');
    expect(t.screen()).not.toMatch(/internal error/i);
    expect(existsSync(box.env.GMV_VAULT!)).toBe(false);
    const status = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(JSON.parse(status.stdout).error.code).toBe('VAULT_NOT_FOUND');
  });

  it('gmv secret set without --from-file asks twice, hidden; Ctrl+C there writes no version; in Chinese too', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '发布微博', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    expect((await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,manage'], { env: box.env })).code).toBe(0);

    const cancelled = run(box, ['secret', 'set', 'weibo-press', '--field', 'password'], { LANG: 'zh_CN.UTF-8' });
    await cancelled.waitFor('weibo-press 的新密码');
    cancelled.key('C-c');
    expect(await cancelled.exitCode()).toBe(130);
    expect(cancelled.screen()).toContain('已取消，未写入任何内容。');
    const none = await gmv(['secret', 'show', 'weibo-press', '--field', 'password'], { env: box.env });
    expect(none.code).not.toBe(0);

    const value = 'Weibo-Press-2026-new!';
    const t = run(box, ['secret', 'set', 'weibo-press', '--field', 'password']);
    await t.waitFor('New password for weibo-press');
    t.type(value);
    await t.waitFor('Repeat it');
    t.type(value);
    expect(await t.exitCode(), t.screen()).toBe(0);
    expect(t.screen()).not.toContain(value);
    const shown = await gmv(['secret', 'show', 'weibo-press', '--field', 'password'], { env: box.env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toBe(value);

    // On a terminal the value stays hidden unless asked for; a TOTP code is printed.
    const hidden = run(box, ['secret', 'show', 'weibo-press']);
    expect(await hidden.exitCode()).toBe(0);
    expect(hidden.screen()).toContain('The password of weibo-press is hidden on a terminal. Print it with --reveal');
    expect(hidden.screen()).not.toContain(value);
    const revealed = run(box, ['secret', 'show', 'weibo-press', '--reveal']);
    expect(await revealed.exitCode()).toBe(0);
    expect(revealed.screen()).toContain(value);
    const seed = join(box.dir, 'seed');
    writeFileSync(seed, 'JBSWY3DPEHPK3PXP\n');
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', seed], { env: box.env })).code).toBe(0);
    // To a pipe, gmv otp prints the code alone: code=$(gmv otp weibo-press) works.
    const piped = await gmv(['otp', 'weibo-press'], { env: box.env });
    expect(piped.stdout).toMatch(/^\d{6}\n$/);
    const onScreen = run(box, ['otp', 'weibo-press']);
    expect(await onScreen.exitCode()).toBe(0);
    expect(onScreen.screen()).toMatch(/\d{6} {2}\(/);
    // The TOTP field has one name in secret set and secret show.
    const byName = await gmv(['secret', 'show', 'weibo-press', '--field', 'totp', '--json'], { env: box.env });
    expect(byName.code, byName.stderr).toBe(0);
    expect(JSON.parse(byName.stdout).otp.code).toMatch(/^\d{6}$/);
  });

  it('without a terminal, a missing value still fails at once with the flag to use', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    const set = await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--json'], { env: box.env });
    expect(set.code).toBe(2);
    expect(JSON.parse(set.stdout).error.code).toBe('TTY_REQUIRED');
    expect(set.stderr).toContain('--from-file FILE|-');
  });
  it('gmv staff onboard at a terminal asks for the person, their roles and each course they need, re-asks a bad day, and signs it all', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    const t = run(box, ['staff', 'onboard']);
    await t.waitFor('Login handle');
    t.type('Zhao Min');
    await t.waitFor('lowercase letters and digits');
    execFileSync('tmux', ['send-keys', '-t', t.name, 'C-u']);
    t.type('zhao.min');
    await t.waitFor('Full name');
    t.type('赵敏');
    await t.waitFor('Unit:');
    t.key('Enter');
    await t.waitFor('Employer');
    t.key('Enter');
    await t.waitFor('Roles');
    // security-officer, account-admin, editor…: the third is editor.
    t.key('Down');
    t.key('Down');
    t.key('Space');
    t.key('Enter');
    await t.waitFor('security-basics (Security basics) was completed');
    t.type('2026-02-30');
    await t.waitFor('a day as YYYY-MM-DD');
    execFileSync('tmux', ['send-keys', '-t', t.name, 'C-u']);
    t.type('2026-11-20');
    await t.waitFor('content-review (Content review rules) was completed');
    t.type('2026-11-21');
    await t.waitFor('Evidence files');
    t.key('Enter');
    expect(await t.exitCode(), t.screen()).toBe(0);
    expect(t.screen()).toContain('holds every course and agreement');
    expect(t.screen()).toContain('gmv device enroll --login zhao.min');
    const status = JSON.parse((await gmv(['training', 'status', '--json'], { env: box.env })).stdout) as { people: { login: string; roles: string[]; shortfalls: unknown[] }[] };
    expect(status.people.find((p) => p.login === 'zhao.min')).toMatchObject({ roles: ['editor'], shortfalls: [] });
  });
  it('a long import and the verification of its log show a progress bar at a terminal, and none through a pipe or with --json', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    const header = '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"';
    const rows = (prefix: string) => [header, ...Array.from({ length: 600 }, (_, i) => `"Root","${prefix} ${i}","u${i}","${prefix}-Pass-${i}!","","","","0","",""`)].join('\n');
    writeFileSync(join(box.dir, 'a.csv'), rows('Tty'));
    const t = run(box, ['import', 'keepassxc', join(box.dir, 'a.csv'), '--unit', '宣传科'], { LANG: 'zh_CN.UTF-8' });
    expect(await t.exitCode(), t.screen()).toBe(0);
    expect(t.screen()).toMatch(/正在导入 \[[^\]]+\] 600\/600/);
    writeFileSync(join(box.dir, 'b.csv'), rows('Pipe'));
    const piped = await gmv(['import', 'keepassxc', join(box.dir, 'b.csv'), '--unit', '宣传科'], { env: box.env });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).not.toMatch(/Importing|600\/600/);

    // Verifying the log the two imports wrote (over 1,200 entries): a bar at a terminal, none with --json or through a pipe.
    const verify = run(box, ['audit', 'verify'], { LANG: 'zh_CN.UTF-8' });
    expect(await verify.exitCode(), verify.screen()).toBe(0);
    expect(verify.screen()).toMatch(/正在校验 \[[^\]]+\] (\d{4,})\/\1/);
    const asJson = run(box, ['audit', 'verify', '--json'], {});
    expect(await asJson.exitCode(), asJson.screen()).toBe(0);
    expect(asJson.screen()).not.toMatch(/Verifying \[/);
    const verifiedPiped = await gmv(['audit', 'verify'], { env: box.env });
    expect(verifiedPiped.code, verifiedPiped.stderr).toBe(0);
    expect(verifiedPiped.stderr).not.toMatch(/Verifying|正在校验/);
  });
});
