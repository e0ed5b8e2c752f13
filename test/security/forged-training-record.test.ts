/**
 * Threat: someone who can write the vault database (the SQLite file, or the PostgreSQL
 * credentials every user of a shared vault holds) gives a person the training the policy demands
 * without anyone recording it: a row inserted, a row of another person or course copied, a lapse
 * day pushed out, a record rewritten. The door checks each record's signature by a key the
 * organisation certified (under the organisation key the terminal trusts, not any row of org_keys)
 * and that the row says what the signed record says: every forgery is an
 * integrity failure (exit 6) naming the row, and none lets the grant through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { daysAgo, gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import * as openpgp from 'openpgp';
import { canonicalJson } from '../../src/domain/canonical.js';
import { lapseDay } from '../../src/domain/staff-record.js';
import { parseCivilDate } from '../../src/domain/dates.js';
import { personKeyRecordText } from '../../src/audit/device-record.js';

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

  it('a record signed by a key that an organisation key added by SQL certified is refused', async () => {
    // The attacker adds an "organisation key" dated before the real one (so it is not the vault's
    // newest, and a terminal's pin still leads to the real one), certifies a key of their own with
    // it, and signs zhao.min the missing course with that key.
    const generate = async (name: string) => {
      const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], format: 'object' });
      return { key: privateKey, fingerprint: privateKey.getFingerprint().toUpperCase(), armored: privateKey.toPublic().armor() };
    };
    const sign = async (text: string, key: openpgp.PrivateKey) => Buffer.from(await openpgp.sign({
      message: await openpgp.createMessage({ binary: Buffer.from(text, 'utf8') }), signingKeys: key, detached: true, format: 'binary',
    }) as Uint8Array).toString('base64');
    const q = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const [mallory, signer] = [await generate('Mallory organisation'), await generate('Mallory')];
    const vaultId = String((await directSql(box, ["select value from vault_meta where key = 'vault_id'"]))[0]!.value);
    const li = Number((await directSql(box, ["select id from people where login = 'li.an'"]))[0]!.id);
    const keyCreated = '2001-01-01T00:00:00.000Z';
    const certification = await sign(personKeyRecordText({ vault: vaultId, person: 'li.an', fingerprint: signer.fingerprint, created_at: keyCreated }), mallory.key);
    const id = await zhaoId();
    const record = JSON.parse(String((await directSql(box, [`select record from staff_records where person_id = ${id} and course = 'security-basics'`]))[0]!.record)) as Record<string, unknown> & { on: string };
    Object.assign(record, {
      course: { id: 'content-review', title: { en: 'Content review rules', zh: '内容审核规范' } },
      lapsesOn: lapseDay(parseCivilDate(record.on)!, 24),
      recordedBy: { login: 'li.an', fingerprint: signer.fingerprint },
    });
    const text = canonicalJson(record);
    await directSql(box, [
      `insert into org_keys (fingerprint, public_key, private_envelope, created_at) values (${q(mallory.fingerprint)}, ${q(mallory.armored)}, '{}', '2000-01-01T00:00:00.000Z')`,
      `insert into person_keys (fingerprint, person_id, public_key, created_at, retired_at, status, certification) values (${q(signer.fingerprint)}, ${li}, ${q(signer.armored)}, ${q(keyCreated)}, ${q(keyCreated)}, 'retired', ${q(certification)})`,
    ]);
    try {
      const r = await forged([`insert into staff_records (person_id, kind, course, on_date, lapses_on, record, signer_fingerprint, signature, recorded_by, recorded_at)
        values (${id}, 'training', 'content-review', ${q(record.on)}, ${q(String(record.lapsesOn))}, ${q(text)}, ${q(signer.fingerprint)}, ${q(await sign(text, signer.key))}, 'attacker', ${q(String(record.recordedAt))})`]);
      expect(r.code, r.error?.message).toBe(6);
      expect(r.error?.message).toContain('person_keys');
    } finally {
      await directSql(box, [`delete from person_keys where fingerprint = ${q(signer.fingerprint)}`, `delete from org_keys where fingerprint = ${q(mallory.fingerprint)}`]);
    }
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
