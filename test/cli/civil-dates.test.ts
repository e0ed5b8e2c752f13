/**
 * "Today" and due dates are days in Shenyang, whatever the machine's zone: at 07:30 in Shenyang
 * (23:30 UTC the day before; 15:30 the day before in Los Angeles) a short-term binding runs from
 * the Shenyang date and a rotation forced by a removed grant is due counted from it. Date flags
 * take YYYY-MM-DD only; times shown to people are China time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, daysAgo, train } from '../helpers/cli.js';
import { fakeClockEnv } from '../helpers/fake-clock.js';

const NOW = '2026-12-01T23:30:00Z';
const cases = [...dialects().map((d) => [d, 'America/Los_Angeles'] as const), ['sqlite', 'UTC'] as const];

describe.each(cases)('civil dates on %s with TZ=%s', (dialect, tz) => {
  let box: Sandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    box = await sandbox(dialect);
    env = { ...box.env, ...fakeClockEnv(NOW), TZ: tz };
    await initVault(env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(env, 'li.an', 'security-officer', { completed: daysAgo(60, new Date(NOW)) });
    const added = await gmv(['account', 'add', '--slug', 'wechat-main', '--platform', 'wechat-oa', '--name', '沈阳发布', '--unit', '宣传科'], { env });
    expect(added.code, added.stderr).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  it('a short-term binding made today runs 30 days from the Shenyang date', async () => {
    const made = await gmv(['binding', 'add', 'wechat-main', '--role', 'short-term-operator', '--external', '外包公司 小王', '--json'], { env });
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ binding: { boundOn: '2026-12-02', until: '2027-01-01' } });
    const listed = await gmv(['binding', 'list', 'wechat-main'], { env });
    expect(listed.stdout).toMatch(/short-term-operator\s+外包公司 小王 \(external\)\s+2026-12-02\s+2027-01-01\n/);
  });

  it('a rotation forced by a removed grant is due 3 days after the Shenyang date', async () => {
    expect((await gmv(['grant', 'add', 'li.an', 'wechat-main', '--can', 'reveal,otp,manage'], { env })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'wechat-main', '--field', 'password', '--from-file', '-'], { env, input: 'Wechat-Main-Secret-1' })).code).toBe(0);
    const removed = await gmv(['grant', 'remove', 'li.an', 'wechat-main'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe('Removed the grant of li.an on wechat-main. Rotation due: 2026-12-05.\n');
    const due = JSON.parse((await gmv(['rotate', 'due', '--json'], { env })).stdout).due;
    expect(due).toEqual([expect.objectContaining({ slug: 'wechat-main', reason: 'access-removed', due: '2026-12-05', overdue: false })]);
  });

  it('date flags take a calendar day only: a timestamp or an impossible day is a usage error, not a crash', async () => {
    for (const value of ['2026-03-01T10:00:00Z', '2026-02-30', '1 March']) {
      const bad = await gmv(['binding', 'add', 'wechat-main', '--role', 'long-term-operator', '--external', '某人', '--bound-on', value], { env });
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toBe(`Error: --bound-on ${value}: expected a calendar day as YYYY-MM-DD (China time), without a time of day\n`);
    }
    const zh = await gmv(['binding', 'add', 'wechat-main', '--role', 'long-term-operator', '--external', '某人', '--bound-on', '2026-03-01T10:00:00Z', '--json', '--lang', 'zh-CN'], { env });
    expect(zh.code).toBe(2);
    expect(JSON.parse(zh.stdout).error).toMatchObject({ code: 'USAGE', exit: 2, message: '--bound-on 2026-03-01T10:00:00Z：应为 YYYY-MM-DD 格式的日期（中国时间），不带具体时刻' });
    const filed = await gmv(['account', 'set', 'wechat-main', '--filed-on', '2026-11-30T16:00:00Z'], { env });
    expect(filed.code).toBe(2);
    const log = JSON.parse((await gmv(['audit', 'log', '--action', 'binding.add', '--json'], { env })).stdout).entries;
    expect(log).toHaveLength(1);
  });

  it('times shown to people are China time', async () => {
    const granted = await gmv(['grant', 'add', 'li.an', 'wechat-main', '--until', '2026-12-31'], { env });
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toBe('li.an may now reveal,otp wechat-main (until 2026-12-31 23:59).\n');
    // A day given as the end includes all of that day in China.
    const [grant] = JSON.parse((await gmv(['grant', 'list', '--json'], { env })).stdout).grants.filter((g: { slug: string }) => g.slug === 'wechat-main');
    expect(grant.until).toBe('2026-12-31T15:59:59.999Z');
    const session = JSON.parse((await gmv(['whoami', '--json'], { env })).stdout);
    const china = (iso: string) => `${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
    const whoami = await gmv(['whoami'], { env });
    expect(whoami.stdout).toContain(`idle lock at ${china(session.idleExpiresAt)}, session ends at ${china(session.expiresAt)}.`);
    const [entry] = JSON.parse((await gmv(['audit', 'log', '--action', 'grant.add', '--last', '1', '--json'], { env })).stdout).entries;
    expect((await gmv(['audit', 'log', '--action', 'grant.add', '--last', '1'], { env })).stdout).toMatch(new RegExp(`^#${entry.seq}  ${china(entry.at).replace('+', '\\+')}  ok `));
    expect(china(entry.at)).toMatch(/^2026-12-02T0[78]:\d\d:\d\d\+08:00$/);
    // Date filters cut at midnight in China: the entry made on the 2nd (China) is in "until the 2nd"
    // and "since the 2nd", not in "until the 1st" — though it is still the 1st in UTC and in Los Angeles.
    const seqs = async (...flags: string[]) => (JSON.parse((await gmv(['audit', 'log', '--action', 'grant.add', ...flags, '--json'], { env })).stdout).entries as { seq: number }[]).map((e) => e.seq);
    expect(await seqs('--until', '2026-12-02')).toContain(entry.seq);
    expect(await seqs('--since', '2026-12-02')).toContain(entry.seq);
    expect(await seqs('--until', '2026-12-01')).not.toContain(entry.seq);
  });
});
