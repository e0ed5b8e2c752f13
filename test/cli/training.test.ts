/**
 * Training before access (Art. 25) and contractors' confidentiality agreements (Art. 7), through
 * the built binary on SQLite and PostgreSQL: a person without a course their roles need is refused
 * a grant, and the refusal names the course; once it is recorded (signed, audited, evidence hashed)
 * the grant and the reveal work; a course that lapsed refuses the next reveal with the day it
 * lapsed; a contractor without an NDA is refused; login and whoami warn of what lapses soon.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { daysAgo, gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';
import { directSql } from '../helpers/direct-sql.js';
import { addMonths, type CivilDate } from '../../src/domain/dates.js';

const ZHAO = 'maple-leaf-8T-quiet-river';
const CHEN = 'copper-kettle-3W-night-tram';

async function colleague(box: Sandbox, login: string, name: string, roles: string, passphrase: string, extra: string[] = []): Promise<Sandbox> {
  const terminal = otherTerminal(box, login);
  expect((await gmv(['staff', 'add', '--login', login, '--name', name, '--unit', '宣传科', '--roles', roles, ...extra], { env: box.env })).code).toBe(0);
  const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], { env: terminal.env, input: passphrase }));
  expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
  const login1 = await gmv(['login', '--login', login, '--passphrase-file', '-'], { env: terminal.env, input: passphrase });
  expect(login1.code, login1.stderr).toBe(0);
  return terminal;
}

interface JsonError { error: { code: string; exit: number; message: string } }

describe.each(dialects())('the training gate on %s', (dialect) => {
  let box: Sandbox;
  let zhao: Sandbox;
  let chen: Sandbox;
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    expect((await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,otp,manage'], { env: box.env })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], { env: box.env, input: 'Weibo-Press-Gate-1' })).code).toBe(0);
    zhao = await colleague(box, 'zhao.min', '赵敏', 'editor', ZHAO);
    chen = await colleague(box, 'chen.jing', '陈静', 'editor', CHEN, ['--employer', '某某文化传媒有限公司']);
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhao?.env, chen?.env]);
  });

  it('refuses a grant to a person without training, naming the course and the command that fixes it; the refusal is audited', async () => {
    const refused = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal', '--json'], { env: box.env });
    expect(refused.code).toBe(4);
    const error = JSON.parse(refused.stdout) as JsonError;
    expect(error.error.code).toBe('DENIED_TRAINING');
    expect(error.error.message).toContain('security-basics');
    expect(error.error.message).toContain('gmv training record zhao.min security-basics --completed');
    const denied = (await audit(box.env, 'grant.add')).filter((e) => e.outcome === 'denied');
    expect(denied.at(-1)).toMatchObject({ actor: 'li.an', subject: 'zhao.min', details: { rule: 'subject-training' } });
    // In Chinese too.
    const zh = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal'], { env: { ...box.env, LANG: 'zh_CN.UTF-8' } });
    expect(zh.stderr).toContain('尚未完成其角色所需的课程 security-basics');

    const status = parse<{ people: { login: string; shortfalls: { what: string; state: string }[] }[] }>(await gmv(['training', 'status', '--json'], { env: box.env }));
    expect(status.people.find((p) => p.login === 'zhao.min')?.shortfalls).toEqual([
      { what: 'security-basics', state: 'missing', lapsedOn: null }, { what: 'content-review', state: 'missing', lapsedOn: null },
    ]);
    expect(status.people.find((p) => p.login === 'li.an')?.shortfalls).toEqual([]);
    const human = await gmv(['training', 'status'], { env: { ...box.env, LANG: 'zh_CN.UTF-8' } });
    expect(human.stdout).toContain('课程');
    expect(human.stdout).toMatch(/zhao\.min\s+赵敏\s+editor\s+security-basics\s+缺失/);
    // Only officers see it.
    expect((await gmv(['training', 'status'], { env: zhao.env })).code).toBe(4);
  });

  it('records each course signed and audited with the evidence hash; then the grant and the reveal work', async () => {
    const evidence = join(box.dir, 'certificate.pdf');
    writeFileSync(evidence, '%PDF-1.4 结业证书 zhao.min\n');
    const completed = daysAgo(40);
    const recorded = parse<{ records: { course: string; on: string; until: string; recordSha256: string; evidence: { sha256: string }[] }[] }>(
      await gmv(['training', 'record', 'zhao.min', 'security-basics', 'content-review', '--completed', completed, '--evidence', evidence, '--json'], { env: box.env }));
    expect(recorded.records.map((r) => [r.course, r.until])).toEqual([
      ['security-basics', addMonths(completed as CivilDate, 12)], ['content-review', addMonths(completed as CivilDate, 24)],
    ]);
    const fileSha = createHash('sha256').update('%PDF-1.4 结业证书 zhao.min\n').digest('hex');
    expect(recorded.records[0]!.evidence[0]!.sha256).toBe(fileSha);
    const entries = await audit(box.env, 'training.record');
    expect(entries.filter((e) => e.subject === 'zhao.min').map((e) => e.details.record_sha256)).toEqual(recorded.records.map((r) => r.recordSha256));
    // The stored record is the signed bytes the audit entry names.
    const rows = await directSql(box, ["select r.record from staff_records r join people p on p.id = r.person_id where p.login = 'zhao.min' order by r.id"]);
    expect(rows.map((r) => createHash('sha256').update(String(r.record)).digest('hex'))).toEqual(recorded.records.map((r) => r.recordSha256));

    // A completion after today, or a course the pack does not have, is refused and changes nothing.
    expect((await gmv(['training', 'record', 'zhao.min', 'security-basics', '--completed', daysAgo(-3)], { env: box.env })).code).toBe(11);
    expect((await gmv(['training', 'record', 'zhao.min', 'first-aid', '--completed', completed], { env: box.env })).code).toBe(3);
    expect((await gmv(['training', 'record', 'zhao.min', 'security-basics', '--completed', completed], { env: zhao.env })).code).toBe(4);

    const granted = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal'], { env: box.env });
    expect(granted.code, granted.stderr).toBe(0);
    const shown = await gmv(['secret', 'show', 'weibo-press'], { env: zhao.env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toBe('Weibo-Press-Gate-1');
  });

  it('a course that lapsed refuses the next reveal, saying it expired and when; retaking it restores access', async () => {
    // zhao.min takes on account administration, which needs the confidentiality course; theirs is 13 months old.
    const old = daysAgo(400);
    const late = await gmv(['training', 'record', 'zhao.min', 'confidentiality', '--completed', old], { env: box.env });
    expect(late.code, late.stderr).toBe(0);
    expect(late.stdout).toContain('already lapsed');
    expect((await gmv(['staff', 'set-roles', 'zhao.min', '--roles', 'editor,account-admin'], { env: box.env })).code).toBe(0);
    const refused = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: zhao.env });
    expect(refused.code).toBe(4);
    const error = JSON.parse(refused.stdout) as JsonError;
    expect(error.error.code).toBe('DENIED_TRAINING_EXPIRED');
    const lapsed = addMonths(old as CivilDate, 12);
    expect(error.error.message).toContain(`confidentiality of zhao.min expired on ${lapsed}`);
    const denied = (await audit(box.env, 'secret.reveal')).filter((e) => e.outcome === 'denied').at(-1);
    expect(denied).toMatchObject({ actor: 'zhao.min', subject: 'weibo-press', details: { rule: 'training' } });
    expect(String(denied?.details.reason)).toContain(`lapsed on ${lapsed}`);
    // TOTP codes, setting and rotating are the same door.
    expect((await gmv(['otp', 'weibo-press'], { env: zhao.env })).code).toBe(4);

    expect((await gmv(['training', 'record', 'zhao.min', 'confidentiality', '--completed', daysAgo(2)], { env: box.env })).code).toBe(0);
    expect((await gmv(['secret', 'show', 'weibo-press'], { env: zhao.env })).stdout.trim()).toBe('Weibo-Press-Gate-1');
  });

  it('warns at login and whoami of a course that lapses within 30 days, and of what is missing', async () => {
    // chen.jing's security-basics was completed 12 months less 10 days ago: it lapses in 10 days.
    const soon = addMonths(daysAgo(-10) as CivilDate, -12);
    expect((await gmv(['training', 'record', 'chen.jing', 'security-basics', 'content-review', '--completed', soon], { env: box.env })).code).toBe(0);
    const lapses = addMonths(soon, 12);
    const who = await gmv(['whoami'], { env: chen.env });
    expect(who.code).toBe(0);
    expect(who.stderr).toContain(`security-basics lapses on ${lapses} (10 days)`);
    expect(who.stderr).toContain('you lack confidentiality agreement');
    expect(who.stderr).not.toContain('content-review');
    const relog = await gmv(['login', '--login', 'chen.jing', '--passphrase-file', '-'], { env: chen.env, input: CHEN });
    expect(relog.stderr).toContain(`security-basics lapses on ${lapses}`);
    const zh = await gmv(['whoami'], { env: { ...chen.env, LANG: 'zh_CN.UTF-8' } });
    expect(zh.stderr).toContain(`将于 ${lapses} 到期`);
    const status = parse<{ people: { login: string; lapsing: { what: string; until: string }[] }[] }>(await gmv(['training', 'status', '--expiring', '30', '--json'], { env: box.env }));
    expect(status.people.find((p) => p.login === 'chen.jing')?.lapsing).toEqual([{ what: 'security-basics', until: lapses }]);
    const narrow = parse<{ people: { login: string; lapsing: unknown[] }[] }>(await gmv(['training', 'status', '--expiring', '5', '--json'], { env: box.env }));
    expect(narrow.people.find((p) => p.login === 'chen.jing')?.lapsing).toEqual([]);
    // zhao.min holds everything: no warning.
    expect((await gmv(['whoami'], { env: zhao.env })).stderr).toBe('');
  });

  it('a contractor with training but no confidentiality agreement is refused; with one recorded the grant works', async () => {
    await train(box.env, 'chen.jing', 'editor');
    const refused = await gmv(['grant', 'add', 'chen.jing', 'weibo-press', '--can', 'otp', '--json'], { env: box.env });
    expect(refused.code).toBe(4);
    expect((JSON.parse(refused.stdout) as JsonError).error.code).toBe('DENIED_NDA');
    expect((await audit(box.env, 'grant.add')).filter((e) => e.outcome === 'denied').at(-1)).toMatchObject({ subject: 'chen.jing', details: { rule: 'subject-nda' } });
    const nda = join(box.dir, 'nda-chen.jing.pdf');
    writeFileSync(nda, 'signed NDA\n');
    const recorded = parse<{ until: string }>(await gmv(['nda', 'record', 'chen.jing', '--signed', daysAgo(5), '--evidence', nda, '--json'], { env: box.env }));
    expect(recorded.until).toBe(addMonths(daysAgo(5) as CivilDate, 12));
    const granted = await gmv(['grant', 'add', 'chen.jing', 'weibo-press', '--can', 'otp'], { env: box.env });
    expect(granted.code, granted.stderr).toBe(0);
    expect((await audit(box.env, 'nda.record')).at(-1)).toMatchObject({ subject: 'chen.jing', details: { evidence: [{ name: 'nda-chen.jing.pdf' }] } });
  });

  it('staff onboard through flags records the person, the NDA and the courses in one signed change, and says what is missing', async () => {
    const form = join(box.dir, 'onboarding-form.pdf');
    writeFileSync(form, 'onboarding form 上岗登记表\n');
    const full = parse<{ login: string; recorded: { kind: string; course: string | null }[]; shortfalls: unknown[]; recordSha256: string }>(await gmv([
      'staff', 'onboard', '--login', 'sun.li', '--name', '孙丽', '--unit', '宣传科', '--roles', 'editor', '--employer', '某某文化传媒有限公司',
      '--nda', daysAgo(3), '--training', `security-basics=${daysAgo(3)}`, '--training', `content-review=${daysAgo(2)}`, '--evidence', form, '--json',
    ], { env: box.env }));
    expect(full.recorded.map((r) => [r.kind, r.course])).toEqual([['training', 'security-basics'], ['training', 'content-review'], ['nda', null]]);
    expect(full.shortfalls).toEqual([]);
    const onboard = (await audit(box.env, 'person.onboard')).at(-1);
    expect(onboard).toMatchObject({ actor: 'li.an', subject: 'sun.li', details: { record_sha256: full.recordSha256 } });
    const partial = await gmv(['staff', 'onboard', '--login', 'qian.bo', '--name', '钱博', '--unit', '宣传科', '--roles', 'reviewer', '--training', `security-basics=${daysAgo(1)}`], { env: box.env });
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toContain('Still missing for qian.bo: content-review (missing)');
    expect(partial.stdout).toContain('gmv device enroll --login qian.bo');
    // A bad record refuses the whole onboarding: no person is left half made.
    const bad = await gmv(['staff', 'onboard', '--login', 'zhou.yi', '--name', '周毅', '--unit', '宣传科', '--roles', 'editor', '--training', 'first-aid=2026-11-01'], { env: box.env });
    expect(bad.code).toBe(3);
    expect((await gmv(['staff', 'show', 'zhou.yi'], { env: box.env })).code).toBe(3);
  });

  it('audit verify passes over every record', async () => {
    const verified = await gmv(['audit', 'verify'], { env: box.env });
    expect(verified.code, verified.stderr).toBe(0);
  });
});
