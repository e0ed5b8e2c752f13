/**
 * Counterfeit-account cases (Art. 29) through the built binary: an editor reports a counterfeit with
 * evidence, the case checklist opens due in one working day, its steps left undone are overdue in
 * `gmv impersonation show` and `gmv checklist due`, an officer records them with evidence and signs,
 * a second officer countersigns — and only then is the case closed. An auditor may not report; bad
 * addresses and platforms are refused (exit 11) with nothing recorded. The periodic sweep is due,
 * and a sweep that found nothing is completed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { fakeClockEnv } from '../helpers/fake-clock.js';
import { addDays, addMonths, civilDateOf, type CivilDate } from '../../src/domain/dates.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';

// Sessions and signatures run on the real clock (a session agent does not inherit a fake one, and
// keys certified on one clock do not verify on another). Only read-only commands look from a later
// day, three days past the case's working-day deadline, which the binary's own calendar counts.
const TODAY = civilDateOf(new Date());
const YEAR = TODAY.slice(0, 4);

const PASSPHRASES: Record<string, string> = {
  'wang.fang': 'pine-needle-4R-harbour-lamp',
  'zhao.min': 'maple-leaf-8T-quiet-river',
  'sun.li': 'willow-bank-3K-silent-bell',
};

interface CaseJson {
  id: string;
  platform: string;
  url: string | null;
  handle: string | null;
  slug: string | null;
  note: string | null;
  evidence: { name: string; sha256: string; size: number }[];
  reportedBy: string;
  reportedAt: string;
  state: 'open' | 'closed';
  closedAt: string | null;
  run: { id: string; template: string; status: string; deadline: string | null; performer: string | null; countersigner: string | null } | null;
  steps: { id: string; state: string; due: string | null; evidence: { sha256: string }[]; by: string | null }[];
  overdue: string[];
}

describe.each(dialects())('counterfeit-account cases on %s', (dialect) => {
  let box: Sandbox;
  const terminals: Record<string, Sandbox> = {};
  /** A command on `who`'s terminal (li.an: the first one). */
  const run = (args: string[], who = 'li.an', input?: string) =>
    gmv(args, { env: who === 'li.an' ? box.env : terminals[who]!.env, ...(input === undefined ? {} : { input }) });
  /** A read-only command on li.an's terminal, three days after the deadline (10:00 in Shenyang). */
  const later = (args: string[], env: Record<string, string> = {}) => gmv(args, { env: { ...box.env, ...fakeClockEnv(`${addDays(deadline, 3)}T02:00:00Z`), ...env } });
  const login = async (who: string) => {
    const r = await run(['login', '--login', who, '--passphrase-file', '-'], who, who === 'li.an' ? OFFICER_PASSPHRASE : PASSPHRASES[who]);
    expect(r.code, r.stderr).toBe(0);
  };
  let deadline: CivilDate;
  let screenshot: string;
  let sha: string;
  let caseId: string;
  let runId: string;

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    await login('li.an');
    const counted = await run(['calendar', 'add-workdays', TODAY, '1']);
    expect(counted.code, `this test needs a calendar for ${TODAY}: ${counted.stderr}`).toBe(0);
    deadline = counted.stdout.trim() as CivilDate;
    const added = await run(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科']);
    expect(added.code, added.stderr).toBe(0);
    for (const [who, name, roles] of [['wang.fang', '王芳', 'security-officer'], ['zhao.min', '赵敏', 'editor'], ['sun.li', '孙莉', 'auditor']] as const) {
      terminals[who] = otherTerminal(box, who);
      expect((await run(['staff', 'add', '--login', who, '--name', name, '--unit', '宣传科', '--roles', roles])).code).toBe(0);
      const enrolled = parse<{ code: string }>(await run(['device', 'enroll', '--login', who, '--passphrase-file', '-', '--json'], who, PASSPHRASES[who]));
      expect((await run(['device', 'approve', enrolled.code])).code).toBe(0);
      await login(who);
    }
    // Performing a checklist needs the training of one's roles (Art. 25).
    for (const [who, roles] of [['li.an', 'security-officer'], ['wang.fang', 'security-officer'], ['zhao.min', 'editor']] as const) await train(box.env, who, roles);
    screenshot = join(box.dir, 'counterfeit-screenshot.png');
    writeFileSync(screenshot, 'a screenshot of @沈阳发布官方 posting a fake notice\n');
    sha = execFileSync('sha256sum', [screenshot], { encoding: 'utf8' }).split(' ')[0]!;
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, ...Object.values(terminals).map((t) => t.env)]);
  });

  it('an editor reports a counterfeit with evidence: the case checklist opens, due in one working day; an auditor is refused', async () => {
    const reported = await run(['impersonation', 'report', '--platform', 'weibo', '--url', 'https://weibo.com/u/7712345678', '--handle', '沈阳发布官方',
      '--account', 'weibo-press', '--evidence', screenshot, '--note', '读者举报 / a reader told us', '--json'], 'zhao.min');
    expect(reported.code, reported.stderr).toBe(0);
    const { case: c, runs } = JSON.parse(reported.stdout) as { case: CaseJson; runs: { id: string; template: string; deadline: string }[] };
    expect(c).toMatchObject({
      id: `IMP-${YEAR}-0001`, platform: 'weibo', url: 'https://weibo.com/u/7712345678', handle: '沈阳发布官方', slug: 'weibo-press',
      reportedBy: 'zhao.min', state: 'open', closedAt: null, evidence: [{ name: 'counterfeit-screenshot.png', sha256: sha, size: Buffer.byteLength(readFileSync(screenshot)) }],
      run: { template: 'impersonation-case', status: 'open', deadline },
    });
    expect(civilDateOf(new Date(c.reportedAt))).toBe(TODAY);
    expect(Math.abs(Date.now() - Date.parse(c.reportedAt))).toBeLessThan(120_000);
    expect(c.steps.map((s) => [s.id, s.state, s.due])).toEqual([['verify', 'due', deadline], ['cac-police', 'due', deadline], ['platform', 'due', deadline], ['report', 'due', deadline]]);
    expect(runs).toEqual([{ id: c.run!.id, template: 'impersonation-case', deadline }]);
    caseId = c.id;
    runId = c.run!.id;

    // The report and the run it opened are audited together, the evidence by its hash.
    const entries = await audit(box.env);
    const report = entries.find((e) => e.action === 'impersonation.report' && e.subject === caseId)!;
    expect(report).toMatchObject({ actor: 'zhao.min', outcome: 'ok', details: { platform: 'weibo', account: 'weibo-press', runs: [runId], evidence: [{ sha256: sha }] } });
    expect(entries.find((e) => e.action === 'checklist.start' && e.subject === runId)).toMatchObject({ seq: report.seq + 1, details: { template: 'impersonation-case', trigger: `impersonation:${caseId}` } });

    const human = await run(['impersonation', 'report', '--platform', 'douyin', '--handle', '沈阳发布-官方号']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^Recorded counterfeit-account case IMP-${YEAR}-0002 \\(douyin 沈阳发布-官方号\\)\\. Checklist R-\\d{4}: Counterfeit-account case, due ${deadline}\\.`));

    const auditor = await run(['impersonation', 'report', '--platform', 'weibo', '--url', 'https://weibo.com/u/1', '--json'], 'sun.li');
    expect(auditor.code).toBe(4);
    expect(JSON.parse(auditor.stdout).error.code).toBe('DENIED_ROLE');
    expect((await audit(box.env, 'impersonation.report')).filter((e) => e.outcome === 'denied').map((e) => [e.actor, e.details.rule])).toEqual([['sun.li', 'role']]);
  });

  it('past the deadline its open steps are overdue in impersonation show and checklist due; recorded, signed and countersigned, the case is closed', async () => {
    for (const step of ['verify', 'cac-police']) {
      const r = await run(['checklist', 'step', runId, step, '--status', 'done', '--evidence', screenshot]);
      expect(r.code, r.stderr).toBe(0);
    }
    const show = (args: string[] = []) => run(['impersonation', 'show', caseId, ...args]);
    expect(parse<{ case: CaseJson }>(await show(['--json'])).case.overdue).toEqual([]);
    const late = parse<{ case: CaseJson }>(await later(['impersonation', 'show', caseId, '--json'])).case;
    expect(late.steps.map((s) => [s.id, s.state])).toEqual([['verify', 'done'], ['cac-police', 'done'], ['platform', 'overdue'], ['report', 'overdue']]);
    expect(late.steps[0]!.evidence[0]!.sha256).toBe(sha);
    expect(late.overdue).toEqual(['platform', 'report']);
    const lateHuman = (await later(['impersonation', 'show', caseId])).stdout;
    expect(lateHuman).toMatch(/platform Ask the platform to shut it down\s+OVERDUE\s+\d{4}-\d\d-\d\d/);
    expect(lateHuman).toContain(`Overdue since ${deadline}: platform, report. Record them: gmv checklist step ${runId} STEP`);
    const due = parse<{ items: { template: string; run: string | null; slug: string | null; due: string | null; state: string }[] }>(await later(['checklist', 'due', '--json']));
    expect(due.items).toContainEqual({ template: 'impersonation-case', title: expect.anything(), kind: 'open', run: runId, slug: 'weibo-press', due: deadline, state: 'overdue', last: null });
    expect((await later(['checklist', 'due'])).stdout).toMatch(new RegExp(`impersonation-case Counterfeit-account case\\s+${runId}\\s+weibo-press\\s+${deadline}\\s+OVERDUE`));
    const openCases = () => run(['impersonation', 'list', '--open', '--json']).then((r) => parse<{ cases: CaseJson[] }>(r).cases.map((x) => x.id));
    expect(await openCases()).toEqual([`IMP-${YEAR}-0001`, `IMP-${YEAR}-0002`]);

    for (const step of ['platform', 'report']) {
      const r = await run(['checklist', 'step', runId, step, '--status', 'done', '--evidence', screenshot]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await show()).stdout).toContain(`The case closes when the run is signed: gmv checklist sign ${runId}`);
    expect((await run(['checklist', 'sign', runId])).code).toBe(0);
    // Signed by one officer is not closed: the template asks for a second person.
    const signed = parse<{ case: CaseJson }>(await show(['--json'])).case;
    expect(signed).toMatchObject({ state: 'open', closedAt: null, overdue: [], run: { status: 'signed', performer: 'li.an', countersigner: null } });
    expect((await show()).stdout).toContain(`Signed by li.an; the case closes when a second person countersigns: gmv checklist countersign ${runId}`);
    expect(await openCases()).toEqual([`IMP-${YEAR}-0001`, `IMP-${YEAR}-0002`]);

    const counter = await run(['checklist', 'countersign', runId], 'wang.fang');
    expect(counter.code, counter.stderr).toBe(0);
    const closed = parse<{ case: CaseJson }>(await show(['--json'])).case;
    expect(closed).toMatchObject({ state: 'closed', run: { status: 'countersigned', performer: 'li.an', countersigner: 'wang.fang' } });
    expect(Math.abs(Date.now() - Date.parse(closed.closedAt!))).toBeLessThan(120_000);
    expect((await show()).stdout).toMatch(new RegExp(`^IMP-${YEAR}-0001  weibo  https://weibo\\.com/u/7712345678 沈阳发布官方  closed\\n[\\s\\S]*Closed ${TODAY} \\d\\d:\\d\\d: ${runId} signed by li\\.an \\+ wang\\.fang\\.`));
    expect(await openCases()).toEqual([`IMP-${YEAR}-0002`]);
    const all = (await later(['impersonation', 'list'])).stdout;
    expect(all).toMatch(new RegExp(`IMP-${YEAR}-0001\\s+weibo\\s+.*closed`));
    expect(all).toMatch(new RegExp(`IMP-${YEAR}-0002\\s+douyin\\s+沈阳发布-官方号\\s+-\\s+li\\.an ${TODAY} \\d\\d:\\d\\d\\s+R-\\d{4}\\s+open\\s+${deadline}\\s+verify, cac-police, platform, report$`, 'm'));
    expect(parse<{ items: { run: string | null }[] }>(await run(['checklist', 'due', '--json'])).items.map((i) => i.run)).not.toContain(runId);
    const countersigned = (await audit(box.env, 'checklist.countersign')).find((e) => e.subject === runId && e.outcome === 'ok');
    expect(countersigned?.details.closes).toEqual([caseId]);
    // The session agents sign on the machine's real clock: verify on it too.
    const verify = await gmv(['audit', 'verify'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('refuses a bad address, platform or account and records nothing; an unknown case is not found', async () => {
    const before = (await audit(box.env)).length;
    for (const [url, says] of [
      ['javascript:alert(1)', 'is not an http or https address'],
      ['ftp://weibo.com/u/1', 'is not an http or https address'],
      ['weibo.com/u/1', 'is not a web address'],
      ['https://admin:hunter2@weibo.com/u/1', 'holds a user name or password'],
      ['https://weibo.com/u/1\u001b[2J', 'holds spaces or control characters'],
    ] as const) {
      const r = await run(['impersonation', 'report', '--platform', 'weibo', '--url', url, '--json']);
      expect(r.code, url).toBe(11);
      const error = JSON.parse(r.stdout).error;
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toContain(says);
      expect(r.stderr + r.stdout).not.toContain('hunter2');
    }
    const platform = await run(['impersonation', 'report', '--platform', 'myspace', '--url', 'https://myspace.com/x', '--json']);
    expect(platform.code).toBe(11);
    expect(JSON.parse(platform.stdout).error.message).toContain('unknown platform "myspace"; platforms are weibo, wechat-oa');
    const nowhere = await run(['impersonation', 'report', '--platform', 'weibo']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('--url URL or --handle NAME');
    expect((await run(['impersonation', 'report', '--platform', 'weibo', '--handle', 'x', '--account', 'no-such'])).code).toBe(3);
    const zh = await run(['impersonation', 'report', '--platform', 'weibo', '--url', 'ftp://weibo.com/u/1', '--lang', 'zh-CN']);
    expect(zh.stderr).toContain('网址（--url） 无效：“ftp://weibo.com/u/1”不是 http 或 https 网址');
    expect(parse<{ cases: CaseJson[] }>(await run(['impersonation', 'list', '--json'])).cases).toHaveLength(2);
    expect(await audit(box.env)).toHaveLength(before);
    const missing = await run(['impersonation', 'show', 'IMP-1999-0099', '--json']);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout).error.code).toBe('IMPERSONATION_CASE_NOT_FOUND');
  });

  it('shows its headings and words in Chinese', async () => {
    const zh = { LANG: 'zh_CN.UTF-8' };
    const heading = (out: string) => out.split('\n')[0]!.split(/\s{2,}/);
    const list = await later(['impersonation', 'list'], zh);
    expect(heading(list.stdout)).toEqual(['案件编号', '平台', '仿冒账号', '账号', '发现时间', '检查单', '状态', '截止日期', '逾期步骤']);
    expect(list.stdout).toMatch(new RegExp(`IMP-${YEAR}-0001\\s+weibo\\s+.*已结案`));
    expect(list.stdout).toMatch(new RegExp(`IMP-${YEAR}-0002\\s+douyin\\s+.*处置中\\s+${deadline}\\s+verify, cac-police, platform, report$`, 'm'));
    const show = await run(['impersonation', 'show', `IMP-${YEAR}-0001`, '--lang', 'zh-CN']);
    expect(show.stdout).toContain('  被仿冒账号：weibo-press\n');
    expect(show.stdout).toContain('  检查单：');
    expect(show.stdout).toContain(`仿冒账号处置（办法第二十九条）：已完成，截止 ${deadline}`);
    expect(show.stdout).toMatch(/\n步骤\s+状态\s+截止日期\s+说明\s+证据\s+记录人\n/);
    expect(show.stdout).toMatch(new RegExp(`verify 核实仿冒情况\\s+完成\\s+${deadline}`));
  });

  it('the periodic sweep is due, and a sweep that found nothing is completed and counts as done', async () => {
    const sweep = (items: { template: string; state: string; due: string | null; last: string | null }[]) => items.find((i) => i.template === 'impersonation-sweep');
    expect(sweep(parse<{ items: never[] }>(await run(['checklist', 'due', '--json'])).items)).toMatchObject({ kind: 'cadence', state: 'never-run', last: null });
    const started = parse<{ run: { id: string } }>(await run(['checklist', 'start', 'impersonation-sweep', '--json'], 'zhao.min')).run;
    const searchLog = join(box.dir, 'sweep-search.txt');
    writeFileSync(searchLog, 'weibo, douyin, wechat: searched "沈阳发布", no counterfeit besides the two cases open\n');
    expect((await run(['checklist', 'step', started.id, 'search', '--status', 'done', '--evidence', searchLog], 'zhao.min')).code).toBe(0);
    // Nothing new found: the record step is not applicable, with a note saying so.
    expect((await run(['checklist', 'step', started.id, 'record', '--status', 'na'], 'zhao.min')).code).toBe(11);
    expect((await run(['checklist', 'step', started.id, 'record', '--status', 'na', '--note', '未发现新的仿冒账号 / nothing new found'], 'zhao.min')).code).toBe(0);
    const signed = await run(['checklist', 'sign', started.id, '--json'], 'zhao.min');
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toMatchObject({ run: { id: started.id, status: 'countersigned', performer: 'zhao.min' }, started: [] });
    // Done today: due again a month on (the pack's cadence), overdue the day after.
    const next = addMonths(TODAY, 1);
    const dueOn = async (day: CivilDate) => sweep(parse<{ items: never[] }>(await gmv(['checklist', 'due', '--json'], { env: { ...box.env, ...fakeClockEnv(`${day}T02:00:00Z`) } })).items);
    expect(await dueOn(next)).toMatchObject({ kind: 'cadence', state: 'due', last: TODAY, due: next });
    expect(await dueOn(addDays(next, 1))).toMatchObject({ kind: 'cadence', state: 'overdue', last: TODAY, due: next });
  });

  it('under an older pack whose sweep `starts` a case, a finished sweep still opens no case run without a case', async () => {
    const pack = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'shenyang-2021.yaml'), 'utf8')
      .replace('    # No `starts`: a finished sweep', '    starts: [impersonation-case]\n    # No `starts`: a finished sweep');
    const file = join(box.dir, 'older-pack.yaml');
    writeFileSync(file, pack);
    const applied = await run(['policy', 'apply', file]);
    expect(applied.code, applied.stderr).toBe(0);
    const before = parse<{ runs: unknown[] }>(await run(['checklist', 'list', '--json'])).runs.length;
    const started = parse<{ run: { id: string } }>(await run(['checklist', 'start', 'impersonation-sweep', '--json'], 'zhao.min')).run;
    const searchLog = join(box.dir, 'sweep-search-2.txt');
    writeFileSync(searchLog, 'searched again, nothing new\n');
    expect((await run(['checklist', 'step', started.id, 'search', '--status', 'done', '--evidence', searchLog], 'zhao.min')).code).toBe(0);
    expect((await run(['checklist', 'step', started.id, 'record', '--status', 'na', '--note', 'nothing new found'], 'zhao.min')).code).toBe(0);
    const signed = JSON.parse((await run(['checklist', 'sign', started.id, '--json'], 'zhao.min')).stdout) as { run: { status: string }; started: unknown[] };
    expect(signed.run.status).toBe('countersigned');
    expect(signed.started).toEqual([]);
    expect(parse<{ runs: unknown[] }>(await run(['checklist', 'list', '--json'])).runs.length).toBe(before + 1);
  });
});
