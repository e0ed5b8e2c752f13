/**
 * A backup-restore drill (Art. 28) through the built binary: started, each step recorded with
 * evidence, signed by its performer, countersigned by a second officer — the performer and a person
 * without the role refused — exported, and verified offline by gmv and by GnuPG. A changed step,
 * note, evidence hash, signature byte or key in the exported folder is detected and named.
 * Performing needs the training of one's roles: a lapsed or missing course refuses a step and a
 * countersignature, audited with its rule. A finished account closure opens its filing (Art. 12),
 * named after the run that started it, once.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { daysAgo, gmv, initVault, OFFICER_PASSPHRASE, stopGnupg, train } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';
import { canonicalJson } from '../../src/domain/canonical.js';
import { addMonths, type CivilDate } from '../../src/domain/dates.js';

const WANG = 'pine-needle-4R-harbour-lamp';
const ZHAO = 'maple-leaf-8T-quiet-river';
const QIAN = 'copper-kettle-3W-night-tram';
const SUN = 'willow-bank-3K-silent-bell';

/** Another person with their own terminal, approved by the officer and logged in. */
async function colleague(box: Sandbox, login: string, name: string, roles: string, passphrase: string): Promise<Sandbox> {
  const terminal = otherTerminal(box, login);
  expect((await gmv(['staff', 'add', '--login', login, '--name', name, '--unit', '宣传科', '--roles', roles], { env: box.env })).code).toBe(0);
  const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], { env: terminal.env, input: passphrase }));
  expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
  const login1 = await gmv(['login', '--login', login, '--passphrase-file', '-'], { env: terminal.env, input: passphrase });
  expect(login1.code, login1.stderr).toBe(0);
  return terminal;
}

describe.each(dialects())('a two-person drill on %s', (dialect) => {
  let box: Sandbox;
  let wang: Sandbox;
  let zhao: Sandbox;
  let exported: string;
  let runId: string;
  const gnupg: string[] = [];
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    wang = await colleague(box, 'wang.fang', '王芳', 'security-officer', WANG);
    zhao = await colleague(box, 'zhao.min', '赵敏', 'editor', ZHAO);
    // Whoever performs or countersigns holds the training of their roles (Art. 25).
    await train(box.env, 'li.an', 'security-officer');
    await train(box.env, 'wang.fang', 'security-officer');
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, wang?.env, zhao?.env]);
    for (const home of gnupg) stopGnupg(home);
  });

  it('is due, run, signed, refused to its performer and to a non-officer, countersigned, exported and verified by gmv and gpg', async () => {
    const due = parse<{ items: { template: string; state: string }[] }>(await gmv(['checklist', 'due', '--json'], { env: box.env }));
    expect(due.items).toEqual(expect.arrayContaining([expect.objectContaining({ template: 'backup-restore-drill', state: 'never-run' })]));

    const started = parse<{ run: { id: string; deadline: string } }>(await gmv(['checklist', 'start', 'backup-restore-drill', '--json'], { env: box.env })).run;
    runId = started.id;
    expect(runId).toMatch(/^R-\d{4}$/);
    expect(started.deadline).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await gmv(['checklist', 'start', 'backup-restore-drill'], { env: zhao.env })).code).toBe(4);

    const evidence = join(box.dir, 'backup.log');
    writeFileSync(evidence, 'backup 2026-12-03: 41 tables, 1,204 rows\n');
    const noEvidence = await gmv(['checklist', 'step', runId, 'backup', '--status', 'done', '--json'], { env: box.env });
    expect(noEvidence.code).toBe(11);
    expect(JSON.parse(noEvidence.stdout).error.code).toBe('CHECKLIST_EVIDENCE_REQUIRED');
    expect((await gmv(['checklist', 'step', runId, 'restore', '--status', 'failed'], { env: box.env })).code).toBe(11);
    for (const step of ['backup', 'restore']) {
      const r = await gmv(['checklist', 'step', runId, step, '--status', 'done', '--evidence', evidence], { env: box.env });
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await gmv(['checklist', 'sign', runId], { env: box.env })).code).toBe(11);
    expect((await gmv(['checklist', 'step', runId, 'compare', '--status', 'na', '--note', '只恢复了测试库 / test vault only'], { env: box.env })).code).toBe(0);
    const shown = parse<{ run: { steps: { id: string; evidence: { sha256: string }[] }[] } }>(await gmv(['checklist', 'show', runId, '--json'], { env: box.env }));
    const sha = execFileSync('sha256sum', [evidence], { encoding: 'utf8' }).split(' ')[0];
    expect(shown.run.steps[0]!.evidence[0]!.sha256).toBe(sha);

    const signed = await gmv(['checklist', 'sign', runId], { env: box.env });
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toContain('needs a countersignature');
    expect((await gmv(['checklist', 'step', runId, 'compare', '--status', 'done', '--evidence', evidence], { env: box.env })).code).toBe(9);
    const self = await gmv(['checklist', 'countersign', runId, '--json'], { env: box.env });
    expect(self.code).toBe(4);
    expect(JSON.parse(self.stdout).error.code).toBe('DENIED_SELF_COUNTERSIGN');
    const editor = await gmv(['checklist', 'countersign', runId, '--json'], { env: zhao.env });
    expect(editor.code).toBe(4);
    expect(JSON.parse(editor.stdout).error.code).toBe('DENIED_ROLE');
    const refusals = (await audit(box.env, 'checklist.countersign')).filter((e) => e.outcome === 'denied').map((e) => [e.actor, e.details.rule]);
    expect(refusals).toEqual([['li.an', 'two-person'], ['zhao.min', 'template-role']]);
    const counter = await gmv(['checklist', 'countersign', runId], { env: wang.env });
    expect(counter.code, counter.stderr).toBe(0);
    const listed = parse<{ runs: { id: string; status: string; performer: string; countersigner: string }[] }>(await gmv(['checklist', 'list', '--json'], { env: box.env }));
    expect(listed.runs).toEqual([expect.objectContaining({ id: runId, status: 'countersigned', performer: 'li.an', countersigner: 'wang.fang' })]);
    expect((await gmv(['checklist', 'list', '--lang', 'zh-CN'], { env: box.env })).stdout).toContain('已完成');

    exported = join(box.dir, 'drill-export');
    const out = await gmv(['checklist', 'export', runId, '--out', exported], { env: box.env });
    expect(out.code, out.stderr).toBe(0);
    const orgKey = join(box.dir, 'pinned-org.asc');
    writeFileSync(orgKey, readFileSync(join(exported, 'org-key.asc')));
    const verified = await gmv(['checklist', 'verify', exported, '--org-key', orgKey, '--json'], { env: { HOME: box.dir } });
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, id: runId, performer: 'li.an', countersigner: 'wang.fang', steps: 3, orgKeyPinned: true });
    const unpinned = await gmv(['checklist', 'verify', exported], { env: { HOME: box.dir } });
    expect(unpinned.stdout).toContain('pin the one you trust with --org-key');
    // A mistyped folder is a wrong path (exit 3), a file given for it bad input (exit 11): neither an altered record.
    const missing = await gmv(['checklist', 'verify', `${exported}-typo`, '--json'], { env: { HOME: box.dir } });
    expect(missing.code, missing.stdout).toBe(3);
    expect(JSON.parse(missing.stdout).error.code).toBe('FILE_NOT_FOUND');
    const aFile = await gmv(['checklist', 'verify', join(exported, 'run.json'), '--lang', 'zh-CN'], { env: { HOME: box.dir } });
    expect(aFile.code, aFile.stderr).toBe(11);
    expect(aFile.stderr).toContain('不是文件夹');

    const home = mkdtempSync(join(tmpdir(), 'gmv-gpg-'));
    gnupg.push(home);
    const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', ...args], { cwd: exported, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    gpg('--import', 'org-key.asc', ...readdirSync(join(exported, 'keys')).filter((f) => f.endsWith('.asc')).map((f) => join('keys', f)));
    for (const sig of ['run.performer.sig', 'run.countersigner.sig', 'checkpoint.json.sig']) gpg('--verify', sig, sig.startsWith('run') ? 'run.json' : 'checkpoint.json');
    expect(readFileSync(join(exported, 'VERIFY.txt'), 'utf8')).toContain('gpg --verify run.countersigner.sig run.json');
  });

  it('names what was changed in an exported folder', async () => {
    const orgKey = join(box.dir, 'pinned-org.asc');
    let n = 0;
    const tampered = async (change: (dir: string) => void): Promise<string> => {
      const dir = join(box.dir, `tampered-${n++}`);
      cpSync(exported, dir, { recursive: true });
      change(dir);
      const r = await gmv(['checklist', 'verify', dir, '--org-key', orgKey, '--json'], { env: { HOME: box.dir } });
      expect(r.code, r.stdout).toBe(6);
      return JSON.parse(r.stdout).error.message as string;
    };
    // Editing the record, even re-signing nothing: canonical form and signatures catch it; a record
    // rewritten canonically is caught by the signature.
    const record = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    const rewrite = (dir: string, edit: (r: any) => void) => {
      const r = record(dir);
      edit(r);
      writeFileSync(join(dir, 'run.json'), canonicalJson(r));
    };
    expect(await tampered((d) => rewrite(d, (r) => { r.steps[2].status = 'done'; }))).toContain("performer's signature (li.an) does not verify");
    expect(await tampered((d) => rewrite(d, (r) => { r.steps[2].note = 'all fine'; }))).toContain('does not verify');
    expect(await tampered((d) => writeFileSync(join(d, 'run.json'), JSON.stringify(record(d), null, 1)))).toContain('not in canonical form');
    expect(await tampered((d) => {
      const sig = readFileSync(join(d, 'run.countersigner.sig'));
      sig[sig.length - 5]! ^= 0x01;
      writeFileSync(join(d, 'run.countersigner.sig'), sig);
    })).toContain("countersigner's signature (wang.fang) does not verify");
    expect(await tampered((d) => execFileSync('rm', [join(d, 'run.countersigner.sig')]))).toContain('countersignature');
    // The audit entries are the record's witness: an edited entry falls out of the checkpoint.
    expect(await tampered((d) => {
      const file = JSON.parse(readFileSync(join(d, 'audit-entries.json'), 'utf8'));
      const step = file.entries.find((e: { body: string }) => e.body.includes('"checklist.step"'));
      step.body = step.body.replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${'0'.repeat(64)}"`);
      writeFileSync(join(d, 'audit-entries.json'), JSON.stringify(file));
    })).toMatch(/audit entry #\d+ is not in the signed checkpoint/);
    // A key swapped for another person's: the organisation never certified it.
    expect(await tampered((d) => {
      const keys = readdirSync(join(d, 'keys')).filter((f) => f.endsWith('.json'));
      const meta = JSON.parse(readFileSync(join(d, 'keys', keys[0]!), 'utf8'));
      meta.createdAt = '2020-01-01T00:00:00.000Z';
      writeFileSync(join(d, 'keys', keys[0]!), JSON.stringify(meta));
    })).toContain('is not certified by the organisation key');
    // Another organisation key pinned: the checkpoint is not its.
    const other = join(box.dir, 'other-org.asc');
    writeFileSync(other, readFileSync(join(exported, 'keys', readdirSync(join(exported, 'keys')).find((f) => f.endsWith('.asc'))!)));
    const wrongPin = await gmv(['checklist', 'verify', exported, '--org-key', other], { env: { HOME: box.dir } });
    expect(wrongPin.code).toBe(6);
    expect(wrongPin.stderr).toContain('the checkpoint is not signed by the organisation key');
  });

  it('refuses a step to a performer whose course lapsed, and a countersignature to one never trained, naming the course and the fix', async () => {
    // zhao.min, an editor, performs the sweep; her security basics were taken 400 days ago and lapsed.
    const old = daysAgo(400);
    expect((await gmv(['training', 'record', 'zhao.min', 'security-basics', 'content-review', '--completed', old], { env: box.env })).code).toBe(0);
    const lapsed = addMonths(old as CivilDate, 12);
    // Opening a run attests nothing: the template's role is enough.
    const sweep = parse<{ run: { id: string } }>(await gmv(['checklist', 'start', 'impersonation-sweep', '--json'], { env: zhao.env })).run.id;
    const evidence = join(box.dir, 'sweep.txt');
    writeFileSync(evidence, 'weibo, douyin: searched, nothing found\n');
    const refused = await gmv(['checklist', 'step', sweep, 'search', '--status', 'done', '--evidence', evidence, '--json'], { env: zhao.env });
    expect(refused.code).toBe(4);
    const error = JSON.parse(refused.stdout).error as { code: string; message: string };
    expect(error.code).toBe('DENIED_TRAINING_EXPIRED');
    expect(error.message).toContain(`security-basics of zhao.min expired on ${lapsed}`);
    expect(error.message).toContain('gmv training record zhao.min security-basics --completed YYYY-MM-DD');
    const zh = await gmv(['checklist', 'step', sweep, 'search', '--status', 'done', '--evidence', evidence], { env: { ...zhao.env, LANG: 'zh_CN.UTF-8' } });
    expect(zh.stderr).toContain(`zhao.min 的课程 security-basics 已于 ${lapsed} 过期`);
    const denied = (await audit(box.env, 'checklist.step')).filter((e) => e.outcome === 'denied');
    expect(denied.at(-1)).toMatchObject({ actor: 'zhao.min', subject: sweep, details: { rule: 'training' } });
    expect(String(denied.at(-1)?.details.reason)).toContain(`lapsed on ${lapsed}`);
    expect(parse<{ run: { steps: { status: string | null }[] } }>(await gmv(['checklist', 'show', sweep, '--json'], { env: box.env })).run.steps.map((s) => s.status)).toEqual([null, null]);
    // The role rule still comes first: an editor is told about the role, not about a course.
    expect(JSON.parse((await gmv(['checklist', 'step', runId, 'backup', '--status', 'done', '--json'], { env: zhao.env })).stdout).error.code).toBe('DENIED_ROLE');

    // Retaken and recorded: the same step goes through and she signs the sweep.
    await train(box.env, 'zhao.min', 'editor', { completed: daysAgo(1) });
    expect((await gmv(['checklist', 'step', sweep, 'search', '--status', 'done', '--evidence', evidence], { env: zhao.env })).code).toBe(0);
    expect((await gmv(['checklist', 'step', sweep, 'record', '--status', 'na', '--note', 'nothing found'], { env: zhao.env })).code).toBe(0);
    const signed = parse<{ run: { status: string }; started: unknown[] }>(await gmv(['checklist', 'sign', sweep, '--json'], { env: zhao.env }));
    // A sweep that found nothing opens no counterfeit case.
    expect(signed).toMatchObject({ run: { status: 'countersigned' }, started: [] });

    // A backup drill records its steps as the officer's work: an officer without training is refused before anything runs.
    const sun = await colleague(box, 'sun.li', '孙丽', 'security-officer', SUN);
    try {
      const drill = await gmv(['backup', 'drill', '--json'], { env: sun.env });
      expect(drill.code).toBe(4);
      expect(JSON.parse(drill.stdout).error).toMatchObject({ code: 'DENIED_TRAINING' });
      expect((await audit(box.env, 'checklist.step')).filter((e) => e.outcome === 'denied').at(-1)).toMatchObject({ actor: 'sun.li', subject: 'backup-restore-drill', details: { rule: 'training' } });
    } finally {
      await lockAll(undefined, [sun.env]);
    }
  });

  it('a finished account closure opens its filing, named after the run that started it, once; the leader countersigns only once trained', async () => {
    const qian = await colleague(box, 'qian.bo', '钱博', 'leader', QIAN);
    try {
      const today = daysAgo(0);
      expect((await gmv(['account', 'add', '--slug', 'weibo-old', '--platform', 'weibo', '--name', '沈阳旧号', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
      const announced = parse<{ runs: { id: string; template: string }[] }>(await gmv(['account', 'close', 'weibo-old', '--announce', today, '--json'], { env: box.env }));
      const closure = announced.runs.find((r) => r.template === 'account-closure')!.id;
      const proof = join(box.dir, 'closure.pdf');
      writeFileSync(proof, '关停公告 / closure notice\n');
      for (const step of ['decision', 'announce', 'close']) expect((await gmv(['checklist', 'step', closure, step, '--status', 'done', '--evidence', proof], { env: box.env })).code).toBe(0);
      const signed = parse<{ run: { status: string }; started: unknown[] }>(await gmv(['checklist', 'sign', closure, '--json'], { env: box.env }));
      expect(signed).toMatchObject({ run: { id: closure, status: 'signed' }, started: [] });

      // The leader in charge has no training on record: refused, audited, nothing started.
      const refused = await gmv(['checklist', 'countersign', closure, '--json'], { env: qian.env });
      expect(refused.code).toBe(4);
      const error = JSON.parse(refused.stdout).error as { code: string; message: string };
      expect(error.code).toBe('DENIED_TRAINING');
      expect(error.message).toContain('gmv training record qian.bo security-basics --completed');
      expect((await audit(box.env, 'checklist.countersign')).filter((e) => e.outcome === 'denied').at(-1)).toMatchObject({ actor: 'qian.bo', subject: closure, details: { rule: 'training' } });
      const filings = async () => parse<{ runs: { id: string; template: string; trigger: string | null; slug: string | null; startedBy: string; deadline: string | null }[] }>(
        await gmv(['checklist', 'list', '--json'], { env: box.env })).runs.filter((r) => r.template === 'filing-change' && r.slug === 'weibo-old');
      const before = await filings();

      await train(box.env, 'qian.bo', 'leader');
      const counter = await gmv(['checklist', 'countersign', closure], { env: qian.env });
      expect(counter.code, counter.stderr).toBe(0);
      const due = (await gmv(['calendar', 'add-workdays', today, '7'], { env: box.env })).stdout.trim();
      const opened = (await filings()).filter((r) => !before.some((b) => b.id === r.id));
      expect(opened).toEqual([expect.objectContaining({ trigger: `run:${closure}`, startedBy: 'qian.bo', deadline: due })]);
      const next = opened[0]!.id;
      expect(counter.stderr).toContain(`${closure} finished: ${next} (filing-change) opened, due ${due}: gmv checklist show ${next}`);
      // Its own audit entry, after the countersignature that names it.
      const entries = await audit(box.env);
      const countersigned = entries.filter((e) => e.action === 'checklist.countersign' && e.outcome === 'ok' && e.subject === closure).at(-1)!;
      expect(countersigned.details.starts).toEqual([next]);
      expect(entries.filter((e) => e.action === 'checklist.start' && e.subject === next)).toEqual([
        expect.objectContaining({ actor: 'qian.bo', seq: countersigned.seq + 1, details: expect.objectContaining({ template: 'filing-change', account: 'weibo-old', trigger: `run:${closure}`, deadline: due }) }),
      ]);
      // Completing again is refused and starts nothing more.
      expect((await gmv(['checklist', 'countersign', closure], { env: box.env })).code).toBe(9);
      expect((await filings()).filter((r) => r.trigger === `run:${closure}`)).toHaveLength(1);

      // A second closure whose filing was already opened for the account while it ran (a renamed
      // account is filed too): completing it opens no second filing.
      expect((await gmv(['account', 'add', '--slug', 'douyin-old', '--platform', 'douyin', '--name', '沈阳旧抖音', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
      const second = parse<{ runs: { id: string; template: string }[] }>(await gmv(['account', 'close', 'douyin-old', '--announce', today, '--json'], { env: box.env })).runs.find((r) => r.template === 'account-closure')!.id;
      expect((await gmv(['account', 'set', 'douyin-old', '--name', '沈阳旧抖音号'], { env: box.env })).code).toBe(0);
      for (const step of ['decision', 'announce', 'close']) expect((await gmv(['checklist', 'step', second, step, '--status', 'done', '--evidence', proof], { env: box.env })).code).toBe(0);
      expect((await gmv(['checklist', 'sign', second], { env: box.env })).code).toBe(0);
      expect(parse<{ started: unknown[] }>(await gmv(['checklist', 'countersign', second, '--json'], { env: qian.env })).started).toEqual([]);
      const douyin = parse<{ runs: { template: string; slug: string | null }[] }>(await gmv(['checklist', 'list', '--json'], { env: box.env })).runs.filter((r) => r.template === 'filing-change' && r.slug === 'douyin-old');
      expect(douyin).toHaveLength(2); // the registration's and the rename's

      expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
    } finally {
      await lockAll(undefined, [qian.env]);
    }
  });
});
