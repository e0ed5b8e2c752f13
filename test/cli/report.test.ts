/**
 * The compliance report (arts. 24, 31–33) through the built binary on SQLite and PostgreSQL: what an
 * inspector reads in it — an untrained editor under Art. 25, a departed editor's accounts overdue for
 * rotation (first among rotations), an unfiled account — in md, json and zh-CN; only an officer or an
 * auditor may write it (a refusal is audited); its detached signature verifies with GnuPG and fails
 * once a byte of the report changes; an existing file is never overwritten.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { daysAgo, gmv, initVault, OFFICER_PASSPHRASE, stopGnupg, train } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';
import { directSql } from '../helpers/direct-sql.js';
import { CALENDAR_2027 } from '../helpers/calendars.js';

const ZHAO = 'maple-leaf-8T-quiet-river';
const WANG = 'pine-needle-4K-silver-brook';
// The real clock (a session agent signs on it, so a second terminal checks its signatures on it too).
// Zhao departs today; her accounts are due the next working day, so three weeks on they are overdue.
const TODAY = daysAgo(0);
const LATER = daysAgo(-21);

/** The lines of a Markdown report under a `### heading`, up to the next heading. */
function mdSection(md: string, unitHeading: string, article: string): string {
  const unit = md.split(/\n## /).find((s) => s.startsWith(unitHeading)) ?? '';
  return unit.split(/\n### /).find((s) => s.startsWith(`${article}\n`)) ?? '';
}

describe.each(dialects())('gmv report on %s', (dialect) => {
  let box: Sandbox;
  let zhao: Sandbox;
  let wang: Sandbox;
  let caseRun: string;
  let inspection: string;
  const env = () => box.env;
  const ok = async (args: string[], e: Record<string, string> = env(), input?: string) => {
    const r = await gmv(args, { env: e, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const out = (name: string) => join(box.dir, name);

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(env());
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], env(), OFFICER_PASSPHRASE);
    await train(env(), 'li.an', 'security-officer');
    // Deadlines counted from today on the real clock reach into 2027 from December on (an account's
    // filing is due 20 working days after registration): the test's 2027 calendar covers them.
    writeFileSync(out('2027.yaml'), CALENDAR_2027);
    await ok(['calendar', 'import', out('2027.yaml')]);
    // zhang.wei: an editor nobody trained yet.
    await ok(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor']);
    // weibo-press is filed; douyin-new is not.
    await ok(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科',
      '--filing-number', '辽网信备21010000001', '--filed-on', '2021-05-10', '--filing-office', '沈阳市人民政府办公室']);
    await ok(['account', 'add', '--slug', 'douyin-new', '--platform', 'douyin', '--name', '沈阳抖音', '--unit', '宣传科']);
    await ok(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,otp,manage']);
    await ok(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], env(), 'weibo-press-Password-1!');

    // zhao.min: a trained editor on her own terminal who reads weibo-press, then departs.
    zhao = otherTerminal(box, 'zhao');
    const zenv = zhao.env;
    await ok(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor']);
    await train(env(), 'zhao.min', 'editor');
    const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], { env: zenv, input: ZHAO }));
    await ok(['device', 'approve', enrolled.code, '--json']);
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zenv, ZHAO);
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal']);
    await ok(['secret', 'show', 'weibo-press'], zenv);

    // An editor may not write the report: refused at the door, and the refusal is in the log.
    const refused = await gmv(['report', '--format', 'md', '--out', out('zhao.md'), '--json'], { env: zenv });
    expect(refused.code, refused.stderr).toBe(4);
    expect(JSON.parse(refused.stdout).error.code).toBe('DENIED_ROLE');
    expect(existsSync(out('zhao.md'))).toBe(false);

    await ok(['staff', 'offboard', 'zhao.min', '--json']);

    // A counterfeit of weibo-press under investigation (Art. 29): verified, the rest not yet done.
    caseRun = parse<{ run: { id: string } }>(await ok(['checklist', 'start', 'impersonation-case', '--account', 'weibo-press', '--json'])).run.id;
    writeFileSync(out('counterfeit.png'), 'screenshot of the counterfeit account');
    await ok(['checklist', 'step', caseRun, 'verify', '--status', 'done', '--evidence', out('counterfeit.png')]);
    // A security inspection whose systems check failed (Art. 28).
    inspection = parse<{ run: { id: string } }>(await ok(['checklist', 'start', 'security-inspection', '--json'])).run.id;
    await ok(['checklist', 'step', inspection, 'systems', '--status', 'failed', '--note', 'database unpatched']);

    // wang.fang, an auditor on her own terminal, may write the report too.
    wang = otherTerminal(box, 'wang');
    await ok(['staff', 'add', '--login', 'wang.fang', '--name', '王芳', '--unit', '宣传科', '--roles', 'auditor']);
    await train(env(), 'wang.fang', 'auditor');
    const wangEnrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', 'wang.fang', '--passphrase-file', '-', '--json'], { env: wang.env, input: WANG }));
    await ok(['device', 'approve', wangEnrolled.code, '--json']);
    await ok(['login', '--login', 'wang.fang', '--passphrase-file', '-'], wang.env, WANG);
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhao?.env, wang?.env]);
  });

  it('names the untrained editor under Art. 25, the overdue departure first among rotations and the unfiled account; md reads in a terminal', async () => {
    const done = await ok(['report', '--format', 'md', '--out', out('r.md'), '--as-of', LATER]);
    expect(done.stdout).toMatch(new RegExp(`^Report written to .*r\\.md, signature .*r\\.md\\.sig; \\d+ breaches, \\d+ warnings \\(as of ${LATER}\\)\\.`));
    const md = readFileSync(out('r.md'), 'utf8');
    expect(md).toContain('# Compliance report: all units');
    expect(md).toContain(`- As of ${LATER} (China)`);
    expect(md).toMatch(/\| Measures art\. 25 \| NOT MET \| \d+ \| \d+ \|/);

    const art25 = mdSection(md, 'Unit: 宣传科', 'Measures art. 25');
    expect(art25).toContain('**BREACH** 张伟 (zhang.wei) has not completed Security basics.');
    expect(art25).toContain('→ When done, record it: gmv training record zhang.wei security-basics --completed YYYY-MM-DD');
    // The trained officer is not named there.
    expect(art25).not.toContain('li.an');

    const departing = mdSection(md, 'Unit: 宣传科', 'Measures art. 25 (confidentiality of departing staff)');
    expect(departing).toMatch(/\*\*BREACH\*\* weibo-press: password to rotate after zhao\.min departed, due \d{4}-\d\d-\d\d\./);
    expect(departing).toContain('→ gmv rotate start weibo-press');

    const filing = mdSection(md, 'Unit: 宣传科', 'Measures arts. 12, 13, 14, 35');
    expect(filing).toContain(`douyin-new (沈阳抖音), registered ${TODAY}, is not filed yet; due`);
    expect(filing).not.toContain('weibo-press');
    expect(md).toContain('Accounts not yet filed: 1.');
    expect(md).toMatch(/- Verified: \d+ entries, \d+ signed checkpoints, root [0-9a-f]{64}\./);
    // Terminal-friendly: short lines, no HTML but the one marker line gmv signs by.
    expect(md.split('\n').slice(1).some((l) => /<[a-z]/i.test(l))).toBe(false);

    // The report is in the audit log with the file's hash.
    const entry = (await audit(env(), 'report.generate')).at(-1)!;
    expect(entry).toMatchObject({ actor: 'li.an', outcome: 'ok', details: { format: 'md', as_of: LATER } });
    expect(entry.details.sha256).toBe(execFileSync('sha256sum', [out('r.md')], { encoding: 'utf8' }).split(' ')[0]);
  });

  it('json: the documented shape, departures first among rotations', async () => {
    await ok(['report', '--format', 'json', '--out', out('r.json'), '--as-of', LATER]);
    const r = JSON.parse(readFileSync(out('r.json'), 'utf8'));
    expect(Object.keys(r)).toEqual(['format', 'vault', 'generatedAt', 'asOf', 'unit', 'lang', 'policy', 'articles', 'units', 'rotations', 'counterfeit', 'unfiled', 'audit', 'findings', 'signedBy']);
    expect(r).toMatchObject({ format: 'gmv-report/1', asOf: LATER, unit: null, lang: 'en', policy: { name: 'shenyang-2021', unseenDeviceDays: 90, lapsingWithinDays: 30 }, signedBy: { login: 'li.an' }, unfiled: 1 });
    expect(r.generatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // li.an and wang.fang trained, zhang.wei not (zhao.min departed); her terminal revoked.
    expect(r.units).toEqual([{ unit: '宣传科', people: 3, qualified: 2, devices: { active: 2, pending: 0, revoked: 1, unseen: 0 } }]);
    expect(r.audit).toMatchObject({ verified: true, error: null, latestCheckpoint: { signer: 'li.an' } });
    expect(r.rotations).toMatchObject({ overdue: 1, departures: 1 });
    for (const f of r.findings) expect(Object.keys(f)).toEqual(['area', 'level', 'unit', 'cite', 'subject', 'name', 'state', 'what', 'due', 'text', 'todo']);
    expect(r.findings).toContainEqual(expect.objectContaining({ area: 'training', level: 'breach', unit: '宣传科', subject: 'zhang.wei', name: '张伟', state: 'missing', what: 'security-basics', cite: { zh: '办法第二十五条', en: 'Measures art. 25' } }));
    const rotations = r.findings.filter((f: { area: string }) => f.area === 'rotation');
    expect(rotations[0]).toMatchObject({ subject: 'weibo-press', what: 'departure', state: 'overdue', level: 'breach', name: 'zhao.min' });
    expect(rotations[0].due > TODAY && rotations[0].due < LATER).toBe(true);
    expect(r.findings).toContainEqual(expect.objectContaining({ area: 'filing', subject: 'douyin-new', state: 'due', level: 'warning' }));
    expect(r.articles).toContainEqual({ cite: { zh: '办法第二十五条', en: 'Measures art. 25' }, status: 'breach', breaches: expect.any(Number), warnings: expect.any(Number) });
    // Judged today instead, the departure rotation is due (tomorrow), not overdue.
    await ok(['report', '--format', 'json', '--out', out('today.json')]);
    const today = JSON.parse(readFileSync(out('today.json'), 'utf8'));
    expect(today.asOf).toBe(TODAY);
    expect(today.findings.find((f: { area: string }) => f.area === 'rotation')).toMatchObject({ state: 'due', level: 'warning' });
  });

  it('shows the open counterfeit case with its steps left (overdue later), the failed inspection step, and the unsigned runs', async () => {
    const md = readFileSync(out('r.md'), 'utf8');
    const art29 = mdSection(md, 'Unit: 宣传科', 'Measures art. 29');
    expect(art29).toMatch(new RegExp(`\\*\\*BREACH\\*\\* Counterfeit case ${caseRun} \\(weibo-press\\) is OVERDUE since \\d{4}-\\d\\d-\\d\\d; steps left: cac-police, platform, report\\.`));
    expect(art29).toContain(`→ Work through the Art. 29 steps (verify, CAC/police, platform, report upward): gmv checklist show ${caseRun}`);
    expect(md).toContain('Counterfeit-account cases: 1 open, 1 overdue.');
    const art28 = mdSection(md, 'Whole vault', 'Measures art. 28');
    expect(art28).toContain(`**BREACH** Run ${inspection} (Security inspection): step "Check operating systems and databases" failed: database unpatched`);
    expect(art28).toContain(`Run ${inspection} (Security inspection, -) is not signed; deadline`);
    // The offboarding run is open too (Art. 25, departing staff).
    expect(mdSection(md, 'Unit: 宣传科', 'Measures art. 25 (confidentiality of departing staff)')).not.toBe('');
    const today = JSON.parse(readFileSync(out('today.json'), 'utf8'));
    expect(today.findings.find((f: { area: string }) => f.area === 'counterfeit')).toMatchObject({ subject: caseRun, level: 'warning', state: 'open', unit: '宣传科', name: 'weibo-press' });
    expect(today.counterfeit).toEqual({ open: 1, overdue: 0 });
  });

  it('an auditor may write it; it names her as the signer; an officer may sign one without a session', async () => {
    const r = parse<{ signedBy: { login: string } }>(await ok(['report', '--format', 'json', '--out', out('auditor.json'), '--json'], wang.env));
    expect(r.signedBy.login).toBe('wang.fang');
    expect(JSON.parse(readFileSync(out('auditor.json'), 'utf8')).signedBy.login).toBe('wang.fang');
    // Without a session (a scheduled report): unlocked here for this one command.
    const scripted = parse<{ signedBy: { login: string } }>(await ok(['report', '--format', 'md', '--out', out('cron.md'), '--login', 'li.an', '--passphrase-file', '-', '--json'], env(), OFFICER_PASSPHRASE));
    expect(scripted.signedBy.login).toBe('li.an');
    expect((await ok(['report', 'verify', out('cron.md')])).stdout).toContain('signed by li.an');
  });

  it('is signed: gpg --verify accepts it with the signer\'s key and refuses it after one byte changed', async () => {
    await ok(['report', '--format', 'html', '--out', out('r.html')]);
    const home = mkdtempSync(join(tmpdir(), 'gmv-gpg-'));
    try {
      execFileSync('gpg', ['--homedir', home, '--batch', '--import', out('r.html.signer.asc')], { stdio: 'ignore' });
      expect(readFileSync(out('r.html.sig'), 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
      const good = spawnSync('gpg', ['--homedir', home, '--batch', '--status-fd', '1', '--verify', out('r.html.sig'), out('r.html')], { encoding: 'utf8' });
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toMatch(/\[GNUPG:\] GOODSIG /);
      // The key gpg names is the one the report says signed it.
      const written = parse<{ signedBy: { fingerprint: string } }>(await ok(['report', '--format', 'json', '--out', out('fpr.json'), '--json']));
      expect(good.stdout).toContain(`VALIDSIG ${written.signedBy.fingerprint}`);
      // gmv checks more than gpg can: the signer's key is certified by the organisation and the log recorded this very file.
      const checked = await ok(['report', 'verify', out('r.html')]);
      expect(checked.stdout).toMatch(/^Good: .*r\.html is the report of \d{4}-\d\d-\d\d that gmv wrote \(audit entry #\d+, .*\), signed by li\.an \(key [0-9A-F]{40}, certified by the organisation\)\./);
      appendFileSync(out('r.html'), ' ');
      const bad = spawnSync('gpg', ['--homedir', home, '--batch', '--status-fd', '1', '--verify', out('r.html.sig'), out('r.html')], { encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
      expect(bad.stdout).toMatch(/\[GNUPG:\] BADSIG /);
      const changed = await gmv(['report', 'verify', out('r.html'), '--json'], { env: env() });
      expect(changed.code).toBe(6);
      expect(JSON.parse(changed.stdout).error).toMatchObject({ code: 'REPORT_INVALID', message: expect.stringContaining('the audit log records no report with this content') });
      // An intact report with another report's signature beside it.
      writeFileSync(out('copy.json'), readFileSync(out('fpr.json')));
      writeFileSync(out('copy.json.sig'), readFileSync(out('r.json.sig')));
      const swapped = await gmv(['report', 'verify', out('copy.json'), '--lang', 'zh-CN'], { env: env() });
      expect(swapped.code).toBe(6);
      expect(swapped.stderr).toContain(`${out('copy.json')}.sig 中的签名不是日志所记密钥对本文件的签名`);
    } finally {
      stopGnupg(home);
    }
    // Never overwritten: the report, and the signature beside it.
    const again = await gmv(['report', '--format', 'html', '--out', out('r.html'), '--json'], { env: env() });
    expect(again.code).toBe(9);
    expect(JSON.parse(again.stdout).error.code).toBe('OUTPUT_EXISTS');
  });

  it('zh-CN: headings, articles and findings in Chinese; --unit and --as-of are checked', async () => {
    await ok(['report', '--format', 'md', '--out', out('zh.md'), '--lang', 'zh-CN', '--unit', '宣传科', '--as-of', LATER]);
    const md = readFileSync(out('zh.md'), 'utf8');
    expect(md).toContain('# 合规报告：宣传科');
    expect(md).toContain('| 办法第二十五条 | 不符合 |');
    const art25 = mdSection(md, '单位：宣传科', '办法第二十五条');
    expect(art25).toContain('**不符合** 张伟（zhang.wei）未完成网络安全基础。');
    expect(mdSection(md, '单位：宣传科', '办法第二十五条（离岗人员保密管理）')).toMatch(/weibo-press：zhao\.min 离岗后需轮换 password，截止 \d{4}-\d\d-\d\d。/);

    const unknownUnit = await gmv(['report', '--format', 'md', '--out', out('x.md'), '--unit', '没有这个科', '--json'], { env: env() });
    expect(unknownUnit.code).toBe(3);
    expect(JSON.parse(unknownUnit.stdout).error.code).toBe('UNIT_NOT_FOUND');
    // LANG alone chooses Chinese too.
    await ok(['report', '--format', 'md', '--out', out('lang.md')], { ...env(), LANG: 'zh_CN.UTF-8' });
    expect(readFileSync(out('lang.md'), 'utf8')).toContain('# 合规报告：全部单位');

    // A missing folder is refused before any work (no report, no signature, no audit entry).
    const before = (await audit(env(), 'report.generate')).length;
    const noDir = await gmv(['report', '--format', 'md', '--out', join(box.dir, 'no-such-dir', 'r.md'), '--json'], { env: env() });
    expect(noDir.code).toBe(3);
    expect(JSON.parse(noDir.stdout).error.code).toBe('OUTPUT_DIR_MISSING');
    expect((await audit(env(), 'report.generate')).length).toBe(before);
    const badDay = await gmv(['report', '--format', 'md', '--out', out('x.md'), '--as-of', '2026-02-30'], { env: env() });
    expect(badDay.code).toBe(2);
    expect(existsSync(out('x.md'))).toBe(false);
  });

  it('flags a terminal the log has not seen for the pack\'s 90 days', async () => {
    const far = daysAgo(-120);
    await ok(['report', '--format', 'json', '--out', out('far.json'), '--as-of', far]);
    const r = JSON.parse(readFileSync(out('far.json'), 'utf8'));
    const devices = r.findings.filter((f: { area: string }) => f.area === 'device');
    expect(devices.map((d: { name: string }) => d.name).sort()).toEqual(['li.an', 'wang.fang']);
    const device = devices.find((d: { name: string }) => d.name === 'li.an');
    expect(device).toMatchObject({ level: 'warning', state: 'unseen', unit: '宣传科', cite: { zh: '办法第二十五条（终端管理）' } });
    expect(device.todo).toBe(`Confirm it is still in use, or revoke it: gmv device revoke ${device.subject}`);
    expect(r.units[0].devices).toMatchObject({ active: 2, revoked: 1, unseen: 2 });
    // Today nobody is flagged: both terminals wrote to the log.
    expect(JSON.parse(readFileSync(out('today.json'), 'utf8')).findings.filter((f: { area: string }) => f.area === 'device')).toEqual([]);
  });

  it('says first that the audit log does not verify when a table was changed behind gmv\'s back', async () => {
    await directSql(box, ["update people set roles = '[\"security-officer\"]' where login = 'zhang.wei'"]);
    try {
      await ok(['report', '--format', 'md', '--out', out('tampered.md')]);
      const md = readFileSync(out('tampered.md'), 'utf8');
      expect(md).toMatch(/\| Cybersecurity Law art\. 21; measures art\. 24 \| NOT MET \| 1 \| 0 \|/);
      expect(md).toMatch(/- DOES NOT VERIFY: .*zhang\.wei/);
      expect(mdSection(md, 'Whole vault', 'Cybersecurity Law art. 21; measures art. 24')).toContain('**BREACH** The audit log does not verify:');
    } finally {
      await directSql(box, ["update people set roles = '[\"editor\"]' where login = 'zhang.wei'"]);
    }
  });
});
