/**
 * Threat: painting the auditor's screen with terminal escape sequences.
 *
 * Attacker's position: (a) anyone at a terminal, without an account, types a "login handle" that
 * is an escape sequence: clear the screen, home the cursor, print "all entries verified", then a
 * carriage return and bidi overrides to hide the rest. The failed login would be written to the
 * audit log and replayed raw on the screen of every auditor who runs `gmv audit log`. (b) Someone
 * who can write the database (or an older vault) stored such text in a person's login and name, a
 * unit, a device label, an account name and an audit entry. (c) A staff member with a session types
 * control characters or a right-to-left override into a name, label or reason.
 *
 * What must hold: every human (non --json) output, error messages included, prints control
 * characters escaped (`\x1b`, `\u202e`), so nothing reaches the terminal raw; --json keeps the exact
 * values; new names, labels and reasons holding control characters are refused (exit 11), and a
 * malformed handle at login is refused before anything is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, type RunResult, train } from '../helpers/cli.js';

const ESC = '\x1b';
/** Clear screen, cursor home, a fake verdict, an OSC window title, BEL, backspaces, a C1 CSI and a bidi override. */
const PAINT = `${ESC}[2J${ESC}[Hgmv: all 57 entries verified, no problems found${ESC}]0;audit ok\x07\r\b\b\x9b2K\u202eqwerty`;
/** What a terminal must never receive from gmv: C0 controls but tab and newline, DEL, C1, bidi and zero-width format characters. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]/u;

function expectEscaped(result: RunResult, what: string): void {
  expect(result.stdout, `${what}: stdout`).not.toMatch(RAW_CONTROL);
  expect(result.stderr, `${what}: stderr`).not.toMatch(RAW_CONTROL);
}

describe('escape sequences in names reach no terminal raw', () => {
  let box: Sandbox;
  const env = () => box.env;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: env(), input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(env(), 'li.an', 'security-officer');
    expect((await gmv(['unit', 'add', '网信办'], { env: env() })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '网信办', '--roles', 'editor'], { env: env() })).code).toBe(0);
    await train(env(), 'zhang.wei', 'editor');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env: env() })).code).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  it('a login attempt whose handle is an escape sequence is refused (exit 11) and paints nothing', async () => {
    const attempt = await gmv(['login', '--login', PAINT, '--passphrase-file', '-'], { env: otherTerminal(box, 'stranger').env, input: 'guess-guess-guess' });
    expect(attempt.code, attempt.stderr).toBe(11);
    expectEscaped(attempt, 'login');
    expect(attempt.stderr).toContain('\\x1b[2J\\x1b[Hgmv: all 57 entries verified');
    const log = await gmv(['audit', 'log'], { env: env() });
    expect(log.code, log.stderr).toBe(0);
    expectEscaped(log, 'audit log');
    expect(log.stdout).not.toContain('all 57 entries verified');
  });

  it('rows already stored with control characters print escaped in every listing; --json keeps them exact', async () => {
    const login = `zw${PAINT}`;
    const name = `张伟\u202e${ESC}[2J`;
    const unit = `网信办${ESC}[31m`;
    const label = `pc${ESC}]0;owned\x07`;
    const account = `发布\u202e${ESC}[1A`;
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(box.paths.defaultVault);
    try {
      db.prepare("update people set login = ?, name = ? where login = 'zhang.wei'").run(login, name);
      db.prepare("update units set name = ? where name = '网信办'").run(unit);
      db.prepare('update devices set label = ?').run(label);
      db.prepare("update accounts set name = ? where slug = 'weibo-press'").run(account);
      const last = db.prepare('select seq, body from audit_entries where body is not null order by seq desc limit 1').get() as { seq: number; body: string };
      const body = JSON.parse(last.body) as Record<string, unknown>;
      db.prepare('update audit_entries set body = ?, actor = ? where seq = ?').run(JSON.stringify({ ...body, actor: PAINT, details: { note: PAINT } }), PAINT, last.seq);
    } finally {
      db.close();
    }

    const log = await gmv(['audit', 'log'], { env: env() });
    expect(log.code, log.stderr).toBe(0);
    expectEscaped(log, 'audit log');
    expect(log.stdout).toContain('actor=\\x1b[2J\\x1b[Hgmv: all 57 entries verified, no problems found\\x1b]0;audit ok\\x07\\r\\x08\\x08\\x9b2K\\u202eqwerty');

    for (const args of [['staff', 'list'], ['staff', 'show', login], ['unit', 'list'], ['device', 'list'], ['account', 'list'], ['account', 'show', 'weibo-press']]) {
      const shown = await gmv(args, { env: env() });
      expect(shown.code, `${args.join(' ')}: ${shown.stderr}`).toBe(0);
      expectEscaped(shown, args.join(' '));
      expect(shown.stdout, args.join(' ')).toContain('\\x1b');
    }
    expect((await gmv(['staff', 'list'], { env: env() })).stdout).toContain('张伟\\u202e\\x1b[2J');

    const json = JSON.parse((await gmv(['staff', 'list', '--json'], { env: env() })).stdout) as { people: { login: string; name: string; unit: string }[] };
    expect(json.people.find((p) => p.login === login)).toMatchObject({ name, unit });
    const entries = JSON.parse((await gmv(['audit', 'log', '--json'], { env: env() })).stdout) as { entries: { actor: string | null }[] };
    expect(entries.entries.some((e) => e.actor === PAINT)).toBe(true);
  });

  it('error messages that echo what was typed print it escaped', async () => {
    for (const args of [['staff', 'show', `no${PAINT}`], ['account', 'show', `x${PAINT}`], ['grant', 'add', `no${PAINT}`, 'weibo-press']]) {
      const refused = await gmv(args, { env: env() });
      expect(refused.code, args[1]).not.toBe(0);
      expectEscaped(refused, args.slice(0, 2).join(' '));
      expect(refused.stderr, args.slice(0, 2).join(' ')).toContain('\\x1b[2J');
    }
  });

  it('new names, labels and reasons holding control characters or bidi overrides are refused (exit 11) and nothing is stored', async () => {
    const entries = async () => (JSON.parse((await gmv(['audit', 'log', '--json'], { env: env() })).stdout) as { entries: unknown[] }).entries.length;
    const cases: string[][] = [
      ['staff', 'add', '--login', 'wang.fang', '--name', '王芳\u202e', '--unit', '宣传科', '--roles', 'editor'],
      ['staff', 'add', '--login', 'wang.fang', '--name', '王芳', '--unit', '宣传科', '--roles', 'editor', '--employer', `agency${ESC}[2J`],
      ['unit', 'add', `督查室${ESC}[2J`],
      ['unit', 'add', '督查室\u200b'],
      ['account', 'add', '--slug', 'douyin-news', '--platform', 'douyin', '--name', '新闻\u2066', '--unit', '宣传科'],
      ['account', 'set', 'weibo-press', '--login-id', `sy_fabu${ESC}[2J`],
      ['account', 'set', 'weibo-press', '--filing-number', '备-1\r备-2'],
      ['binding', 'add', 'weibo-press', '--role', 'admin', '--external', '外包\u202e'],
    ];
    for (const args of cases) {
      const before = await entries();
      const refused = await gmv(args, { env: env() });
      expect(refused.code, `${args.join(' ')}: ${refused.stderr}`).toBe(11);
      expectEscaped(refused, args.slice(0, 2).join(' '));
      expect(await entries(), args.join(' ')).toBe(before);
    }
    const stranger = otherTerminal(box, 'labels');
    const label = await gmv(['device', 'enroll', '--login', 'li.an', '--label', `rogue-pc${ESC}[2J`, '--passphrase-file', '-'], { env: stranger.env, input: OFFICER_PASSPHRASE });
    expect(label.code, label.stderr).toBe(11);
    expectEscaped(label, 'device enroll');
    const devices = JSON.parse((await gmv(['device', 'list', '--json'], { env: env() })).stdout) as { devices: { label: string }[] };
    expect(devices.devices.some((d) => d.label.startsWith('rogue-pc'))).toBe(false);
  });

  it('an import whose names hold a bidi override is refused by row and imports nothing', async () => {
    const file = join(box.dir, 'paint.json');
    writeFileSync(file, JSON.stringify({ encrypted: false, items: [
      { type: 1, name: 'Bili\u202elanoiciffo', login: { username: 'bili_gov', password: 'Bw-Bili-Pass-3', uris: [{ uri: 'https://passport.bilibili.com/login' }] } },
    ] }));
    const before = JSON.parse((await gmv(['account', 'list', '--json'], { env: env() })).stdout).accounts.length as number;
    const refused = await gmv(['import', 'bitwarden', file], { env: env() });
    expect(refused.code, refused.stderr).toBe(11);
    expectEscaped(refused, 'import');
    expect(refused.stderr).toMatch(/line 1: the name holds control characters/);
    expect(JSON.parse((await gmv(['account', 'list', '--json'], { env: env() })).stdout).accounts.length).toBe(before);
  });
});
