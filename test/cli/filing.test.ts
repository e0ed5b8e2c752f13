/**
 * The filing register (arts. 12–14, 35): an unfiled account is due 20 working days after it was
 * registered and overdue after that; an idle account closes only 15 working days after its public
 * announcement — counted on the calendar, around the 2025 National Day break — and a deadline the
 * calendar cannot count is flagged (exit 12), never guessed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { fakeClockEnv } from '../helpers/fake-clock.js';
import { lockAll } from '../helpers/session-helpers.js';

// Friday 2025-09-26, 10:00 in Shenyang; then Friday 2025-10-24 and Monday 2025-11-03.
const T1 = '2025-09-26T02:00:00Z';
const T2 = '2025-10-23T02:00:00Z';
const T3 = '2025-11-03T02:00:00Z';

describe.each(dialects())('the filing register on %s', (dialect) => {
  let box: Sandbox;
  // One clock per instant, started once: a clock restarted later would run behind what init wrote.
  const clocks = new Map<string, Record<string, string>>();
  const at = (instant: string) => {
    if (!clocks.has(instant)) clocks.set(instant, fakeClockEnv(instant));
    return { ...box.env, ...clocks.get(instant)! };
  };
  const run = (args: string[], instant: string) => gmv(args, { env: at(instant) });
  const login = async (instant: string) => {
    const r = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: at(instant), input: OFFICER_PASSPHRASE });
    expect(r.code, r.stderr).toBe(0);
  };
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(at(T1));
    await login(T1);
    for (const [slug, extra] of [['weibo-old', ['--filing-number', '辽网信备21010000001', '--filed-on', '2021-05-10', '--filing-office', '沈阳市人民政府办公室']], ['douyin-new', []]] as const) {
      const added = await run(['account', 'add', '--slug', slug, '--platform', slug.split('-')[0]!, '--name', slug, '--unit', '宣传科', ...extra], T1);
      expect(added.code, added.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await lockAll(undefined, [box.env]);
  });

  it('lists an unfiled account with its deadline, then overdue; closes only after the announcement period', async () => {
    const due = JSON.parse((await run(['filing', 'due', '--json'], T1)).stdout);
    expect(due.items).toEqual([{ slug: 'douyin-new', name: 'douyin-new', unit: '宣传科', kind: 'register', since: '2025-09-26', due: '2025-10-30', state: 'due' }]);
    const human = await run(['filing', 'due'], T1);
    expect(human.stdout).toMatch(/douyin-new .*file the account .*2025-09-26 .*2025-10-30 .*due/);
    expect((await run(['filing', 'due', '--lang', 'zh-CN'], T1)).stdout).toContain('账号备案');

    const early = await run(['account', 'close', 'weibo-old', '--json'], T1);
    expect(early.code).toBe(4);
    expect(JSON.parse(early.stdout).error.code).toBe('CLOSURE_NOT_ANNOUNCED');
    // Announced on the Sunday worked before National Day: 15 working days skip the eight-day break.
    const announced = await run(['account', 'close', 'weibo-old', '--announce', '2025-09-28'], T1);
    expect(announced.code, announced.stderr).toBe(0);
    expect(announced.stdout).toContain('may close on 2025-10-24 at the earliest (15 working days)');
    expect((await run(['account', 'show', 'weibo-old'], T1)).stdout).toContain('announced 2025-09-28; may close on 2025-10-24 at the earliest');
    const tooEarly = await run(['account', 'close', 'weibo-old'], T1);
    expect(tooEarly.code).toBe(4);
    expect(tooEarly.stderr).toContain('it may close on 2025-10-24 at the earliest');
    expect((await run(['account', 'archive', 'weibo-old', '--json'], T1)).code).toBe(4);

    await run(['lock'], T1);
    await login(T2);
    // The day before: still refused, and the register shows it waiting.
    expect((await run(['account', 'close', 'weibo-old'], T2)).code).toBe(4);
    const waiting = JSON.parse((await run(['filing', 'due', '--json'], T2)).stdout).items;
    expect(waiting.find((i: { kind: string }) => i.kind === 'closure')).toMatchObject({ slug: 'weibo-old', due: '2025-10-24', state: 'waiting' });

    await run(['lock'], T2);
    await login(T3);
    const overdue = JSON.parse((await run(['filing', 'due', '--json'], T3)).stdout).items;
    expect(overdue).toEqual([
      expect.objectContaining({ slug: 'douyin-new', kind: 'register', state: 'overdue' }),
      expect.objectContaining({ slug: 'weibo-old', kind: 'closure', state: 'ready' }),
    ]);
    const closed = await run(['account', 'close', 'weibo-old'], T3);
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain('Closed weibo-old');
    expect((await run(['account', 'list', '--json'], T3)).stdout).not.toContain('weibo-old');
    const log = JSON.parse((await run(['audit', 'log', '--subject', 'weibo-old', '--json'], T3)).stdout).entries.map((e: { action: string }) => e.action);
    expect(log).toEqual(expect.arrayContaining(['account.close-announce', 'account.archive']));
    // The session agent signs on the machine's real clock: verify on it too.
    const verify = await gmv(['audit', 'verify'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(0);
  });
  it('a registration, a change of name or unit, an announced closure and a closure opened their checklists, due in working days', async () => {
    // Registered on Friday 2025-09-26: the filing checklist is due 7 working days later, after the National Day break.
    const runs = JSON.parse((await run(['checklist', 'list', '--json'], T3)).stdout) as { runs: { id: string; template: string; slug: string | null; trigger: string; deadline: string | null }[] };
    expect(runs.runs.filter((r) => r.template === 'filing-change' && r.deadline === '2025-10-13').map((r) => r.slug).sort()).toEqual(['douyin-new', 'weibo-old']);
    const audited = JSON.parse((await run(['audit', 'log', '--json'], T3)).stdout) as { entries: { action: string; details: { template?: string; account?: string; trigger?: string } }[] };
    // weibo-old: filed at registration, its announced closure's own checklist, the closure filed.
    expect(audited.entries.filter((e) => e.action === 'checklist.start' && e.details.account === 'weibo-old').map((e) => e.details.template)).toEqual(['filing-change', 'account-closure', 'filing-change']);
    const renamed = await run(['account', 'set', 'douyin-new', '--name', '沈阳抖音', '--json'], T3);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(JSON.parse(renamed.stdout)).toMatchObject({ account: { slug: 'douyin-new', name: '沈阳抖音' }, runs: [expect.objectContaining({ template: 'filing-change' })] });
    expect(renamed.stderr).toContain('Filing checklist');
    // A filing number alone is no change to file.
    expect(JSON.parse((await run(['account', 'set', 'douyin-new', '--filing-number', '辽网信备21010000009', '--json'], T3)).stdout).runs).toEqual([]);
  });
});

describe('a filing deadline past the known calendar', () => {
  let box: Sandbox;
  afterAll(async () => {
    await lockAll(undefined, [box.env]);
  });
  it('is shown as unknown and the command exits 12', async () => {
    box = await sandbox('sqlite');
    const env = box.env;
    // Thirty working days from today reach 2027, whose calendar is not known.
    const policy = join(box.dir, 'policy.yaml');
    writeFileSync(policy, readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8').replace('register_working_days: 20', 'register_working_days: 30').replace('closure_notice_working_days: 15', 'closure_notice_working_days: 30'));
    await initVault(env, ['--policy', policy]);
    const r = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env, input: OFFICER_PASSPHRASE });
    expect(r.code, r.stderr).toBe(0);
    const added = await gmv(['account', 'add', '--slug', 'wechat-new', '--platform', 'wechat-oa', '--name', '新号', '--unit', '宣传科'], { env });
    expect(added.code, added.stderr).toBe(0);
    const due = await gmv(['filing', 'due', '--json'], { env });
    expect(due.code).toBe(12);
    expect(JSON.parse(due.stdout).items).toEqual([expect.objectContaining({ slug: 'wechat-new', due: null, state: 'unknown', unknownDay: '2027-01-01' })]);
    expect(due.stderr).toContain('gmv calendar import YYYY.yaml');
    const announce = await gmv(['account', 'close', 'wechat-new', '--announce', '2026-12-03', '--json'], { env });
    expect(announce.code).toBe(12);
  });
});
