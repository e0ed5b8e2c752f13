/**
 * Threat: someone who can write the vault database (the SQLite file, or the PostgreSQL
 * credentials every user of a shared vault holds) gives a person the training the policy demands
 * without anyone recording it: a row inserted, a row of another person or course copied, a lapse
 * day pushed out, a record rewritten. The door checks each record's signature by a key the
 * organisation certified and that the row says what the signed record says: every forgery is an
 * integrity failure (exit 6) naming the row, and none lets the grant through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { daysAgo, gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { canonicalJson } from '../../src/domain/canonical.js';

describe.each(dialects())('forged training records on %s', (dialect) => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
    const zhao = otherTerminal(box, 'zhao');
    const enrolled = JSON.parse((await gmv(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], { env: zhao.env, input: 'maple-leaf-8T-quiet-river' })).stdout) as { code: string };
    expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
    // zhao.min holds security-basics; content-review, which editors also need, is missing.
    expect((await gmv(['training', 'record', 'zhao.min', 'security-basics', '--completed', daysAgo(20)], { env: box.env })).code).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box?.env ?? {} });
  });

  const zhaoId = async () => Number((await directSql(box, ["select id from people where login = 'zhao.min'"]))[0]!.id);
  const forged = async (statements: string[]) => {
    await directSql(box, statements);
    try {
      const r = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal', '--json'], { env: box.env });
      return { code: r.code, error: r.code === 0 ? null : JSON.parse(r.stdout).error as { code: string; message: string } };
    } finally {
      await directSql(box, ["delete from staff_records where recorded_by = 'attacker'"]);
    }
  };
  const copyOf = (where: string, set: Record<string, string>) => {
    const cols = ['person_id', 'kind', 'course', 'on_date', 'lapses_on', 'record', 'signer_fingerprint', 'signature', 'recorded_by', 'recorded_at'];
    const values = cols.map((c) => (c === 'recorded_by' ? "'attacker'" : set[c] ?? c));
    return `insert into staff_records (${cols.join(', ')}) select ${values.join(', ')} from staff_records where ${where}`;
  };

  it('without a forgery the grant is refused for the missing course', async () => {
    const r = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal', '--json'], { env: box.env });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('DENIED_TRAINING');
  });

  it('her own record copied under the missing course is caught: the row says what the signature does not', async () => {
    const id = await zhaoId();
    const r = await forged([copyOf(`person_id = ${id} and course = 'security-basics'`, { course: "'content-review'" })]);
    expect(r.code).toBe(6);
    expect(r.error?.code).toBe('STATE_MISMATCH');
    expect(r.error?.message).toContain('staff_records');
  });

  it("the officer's genuine record copied onto her is caught: it names another person", async () => {
    const id = await zhaoId();
    // li.an holds no content-review; the attacker takes li.an's security-basics and relabels it.
    const r = await forged([copyOf("course = 'security-basics' and person_id <> " + id, { person_id: String(id), course: "'content-review'" })]);
    expect(r.code).toBe(6);
    expect(r.error?.code).toBe('STATE_MISMATCH');
  });

  it('a rewritten record (course changed in the signed text itself) fails its signature', async () => {
    const id = await zhaoId();
    const rows = await directSql(box, [`select record from staff_records where person_id = ${id} and course = 'security-basics'`]);
    const record = JSON.parse(String(rows[0]!.record)) as { course: { id: string; title: unknown } };
    record.course = { id: 'content-review', title: { en: 'Content review rules', zh: '内容审核规范' } };
    const text = canonicalJson(record).replaceAll("'", "''");
    const r = await forged([copyOf(`person_id = ${id} and course = 'security-basics'`, { course: "'content-review'", record: `'${text}'` })]);
    expect(r.code).toBe(6);
    expect(r.error?.message).toContain('signature does not verify');
  });

  it('a lapse day pushed out in the row is caught', async () => {
    const id = await zhaoId();
    await directSql(box, [`update staff_records set lapses_on = '2099-01-01' where person_id = ${id} and course = 'security-basics'`]);
    try {
      const status = await gmv(['training', 'status', '--json'], { env: box.env });
      expect(status.code).toBe(6);
      expect(JSON.parse(status.stdout).error.code).toBe('STATE_MISMATCH');
    } finally {
      const rows = await directSql(box, [`select record from staff_records where person_id = ${id} and course = 'security-basics'`]);
      const lapses = (JSON.parse(String(rows[0]!.record)) as { lapsesOn: string }).lapsesOn;
      await directSql(box, [`update staff_records set lapses_on = '${lapses}' where person_id = ${id} and course = 'security-basics'`]);
    }
    expect((await gmv(['training', 'status', '--json'], { env: box.env })).code).toBe(0);
  });

  it('deleting records only takes access away: the door fails closed', async () => {
    expect((await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,manage'], { env: box.env })).code).toBe(0);
    const id = Number((await directSql(box, ["select id from people where login = 'li.an'"]))[0]!.id);
    const kept = await directSql(box, [`select * from staff_records where person_id = ${id}`]);
    await directSql(box, [`delete from staff_records where person_id = ${id}`]);
    const r = await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: 'Weibo-Press-Forged-1' });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('DENIED_TRAINING');
    expect(kept.length).toBeGreaterThan(0);
  });
});
