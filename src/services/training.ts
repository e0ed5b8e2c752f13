/**
 * Training and confidentiality agreements (Arts. 7, 25): `gmv training record`, `gmv nda record`,
 * `gmv training status`, and what the access decision reads. A record is signed by the recording
 * officer's key over its canonical bytes and audited in the same transaction; the door checks the
 * signature (and that the organisation certified the key) before a record counts, so a row written
 * with plain SQL opens nothing.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { GmvError } from '../errors.js';
import { statusKey } from '../i18n/catalogue.js';
import type { DB } from '../store/schema.js';
import { storedRoles } from '../store/people.js';
import { addDays, civilDateOf, type CivilDate } from '../domain/dates.js';
import type { RecordEvidence } from '../domain/checklist-record.js';
import {
  lapseDay, parseStaffRecord, qualification, staffRecordBytes, isContractor, STAFF_RECORD_FORMAT,
  type HeldRecord, type Qualification, type StaffRecord, type StaffRecordKind,
} from '../domain/staff-record.js';
import { certifiedPersonKey, loadKey, verifyWith, type VerifyKey } from '../audit/signatures.js';
import type { AuditDraft } from '../audit/entry.js';
import type { Policy } from '../policy/policy.js';
import { authorize, sealContext, type Actor } from './access.js';
import type { SealContext } from './state-seals.js';
import { trustedOrg } from '../audit/tail.js';
import type { KeyHolder } from './keys.js';
import { activePolicy, commitChange, type Vault } from './vault.js';

/** Signatures already checked by this process (the session agent serves many reveals): row text and signature → ok. */
const verified = new Set<string>();

export interface SignerKeys { org: VerifyKey[]; people: Map<string, VerifyKey | null> }

/**
 * The organisation's keys, and each named person key with the organisation's certification over
 * it checked (null: not certified). A certification counts only under the organisation key this
 * terminal trusts (`pinnedOrg`, or the chain of re-keys from it; see audit/tail.ts#trustedOrg), not
 * under any row of `org_keys`: a key row added by SQL certifies nothing.
 */
export async function signerKeys(db: Kysely<DB>, vaultId: string, fingerprints: string[], pinnedOrg: string | null = null): Promise<SignerKeys> {
  const org = await Promise.all((await db.selectFrom('org_keys').select('public_key').execute()).map((r) => loadKey(r.public_key)));
  const people = new Map<string, VerifyKey | null>();
  if (fingerprints.length === 0) return { org, people };
  const trusted = [await loadKey((await trustedOrg(db, vaultId, pinnedOrg)).row.public_key)];
  const rows = await db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
    .select(['person_keys.fingerprint', 'person_keys.public_key', 'person_keys.certification', 'person_keys.created_at', 'people.login'])
    .where('person_keys.fingerprint', 'in', fingerprints).execute();
  for (const row of rows) {
    // A person key counts only with the organisation's certification over its record; one whose
    // certification is there but does not hold, or whose stored key is not the one it names, is a
    // key row changed outside gmv, and what it signed is not judged by it.
    if (row.certification === null) {
      people.set(row.fingerprint, null);
      continue;
    }
    const verdict = await certifiedPersonKey(vaultId, { login: row.login, fingerprint: row.fingerprint, createdAt: row.created_at, certification: row.certification, publicKey: row.public_key }, trusted, judgedAt());
    if (verdict.problem !== undefined) throw new GmvError('STATE_SEAL_INVALID', { table: 'person_keys', row: `${row.login} ${row.fingerprint}`, detail: verdict.problem });
    people.set(row.fingerprint, verdict.key);
  }
  return { org, people };
}

/**
 * Signatures are judged as of a year ahead: a record signed on a terminal whose clock runs ahead of
 * this one's must not read as tampering. What the check stands on is the certified key and the
 * bytes; the record's own dates are checked against the row, and gmv's keys do not expire.
 */
export const judgedAt = (): Date => new Date(Date.now() + 366 * 86_400_000);

export async function anyVerifies(data: Uint8Array, signature: Uint8Array, keys: VerifyKey[]): Promise<boolean> {
  for (const key of keys) if (await verifyWith(data, signature, key, judgedAt())) return true;
  return false;
}

type RecordRow = { id: number | string | bigint; kind: string; course: string; on_date: string; lapses_on: string | null; record: string; signer_fingerprint: string; signature: string };

/**
 * The training and NDA records of a person, each checked: the stored record is the canonical
 * record of this vault for this person, its columns say what it says, and a key the organisation
 * certified signed it. Any row that fails is an integrity failure (exit 6), never a silent skip:
 * a forged record must not pass, and a record an attacker spoiled must not quietly lock someone out.
 */
export async function checkedRecords(db: Kysely<DB>, seals: SealContext, person: { id: number; login: string }, kinds: StaffRecordKind[] = ['training', 'nda']): Promise<HeldRecord[]> {
  const vaultId = seals.vaultId;
  const rows: RecordRow[] = await db.selectFrom('staff_records')
    .select(['id', 'kind', 'course', 'on_date', 'lapses_on', 'record', 'signer_fingerprint', 'signature'])
    .where('person_id', '=', person.id).where('kind', 'in', kinds).orderBy('id').execute();
  const keyOf = (row: RecordRow) => createHash('sha256').update(row.record).update('\0').update(row.signature).update('\0').update(row.signer_fingerprint).digest('hex');
  const unchecked = rows.filter((r) => !verified.has(keyOf(r)));
  if (unchecked.length > 0) {
    const keys = await signerKeys(db, vaultId, [...new Set(unchecked.map((r) => r.signer_fingerprint))], seals.pinnedOrg);
    for (const row of unchecked) {
      const problem = await recordProblem(row, vaultId, person.login, keys);
      if (problem) throw new GmvError('STATE_MISMATCH', { table: 'staff_records', row: `#${Number(row.id)}`, detail: problem, count: 1 });
      verified.add(keyOf(row));
    }
  }
  return rows.filter((r) => r.kind === 'training' || r.kind === 'nda')
    .map((r) => ({ kind: r.kind as HeldRecord['kind'], course: r.course, on: r.on_date, lapsesOn: r.lapses_on }));
}

async function recordProblem(row: RecordRow, vaultId: string, login: string, keys: SignerKeys): Promise<string | null> {
  const record = parseStaffRecord(row.record, vaultId);
  if (!record) return 'detail.staffRecordForm';
  const same = record.kind === row.kind && record.person.login === login && (record.course?.id ?? '') === row.course
    && record.on === row.on_date && record.lapsesOn === row.lapses_on && record.recordedBy.fingerprint === row.signer_fingerprint;
  if (!same) return 'detail.staffRecordColumns';
  const key = keys.people.get(row.signer_fingerprint);
  if (!key) return 'detail.staffRecordSigner';
  return await verifyWith(Buffer.from(row.record, 'utf8'), Buffer.from(row.signature, 'base64'), key, judgedAt()) ? null : 'detail.staffRecordSignature';
}

/** The rules of the pack the qualification needs. */
export function qualificationRules(policy: Policy) {
  return { roles: policy.roles, ndaRequired: policy.contractors.ndaRequired };
}

/** What the person lacks today, from checked records (the access decision's facts). */
export async function qualificationOf(vault: Vault, person: { id: number; login: string; roles: readonly string[]; employer: string | null }): Promise<Qualification> {
  const db = vault.store.db;
  const policy = await activePolicy(db);
  const records = await checkedRecords(db, sealContext(vault), person);
  return qualification(person, records, qualificationRules(policy), civilDateOf(vault.now()));
}

function signerOf(actor: Actor): NonNullable<Actor['signer']> {
  if (!actor.signer) throw new GmvError('SESSION_REQUIRED', {});
  return actor.signer;
}

async function subject(db: Kysely<DB>, login: string) {
  const row = await db.selectFrom('people').select(['id', 'login', 'name', 'employer', 'status', 'roles']).where('login', '=', login).executeTakeFirst();
  if (!row) throw new GmvError('PERSON_NOT_FOUND', { login });
  if (row.status === 'departed') throw new GmvError('DENIED_STATUS', { login, status: statusKey('person', row.status), action: 'what.recordingTraining' });
  return { id: Number(row.id), login: row.login, name: row.name, employer: row.employer, roles: storedRoles(row.roles, row.login) };
}

/** A completion or signing day: a civil date, not after today by the vault's clock. */
function pastDay(day: CivilDate, today: CivilDate, flag: string): CivilDate {
  if (day > today) throw new GmvError('INVALID_INPUT', { what: flag, detail: 'detail.trainingFuture', day, today });
  return day;
}

export interface RecordedView {
  login: string;
  kind: 'training' | 'nda';
  course: string | null;
  on: string;
  /** The day it lapses (the record lets nobody in from that day). */
  until: string | null;
  /** Already lapsed on the day it was recorded (kept, but it lets nobody in). */
  lapsed: boolean;
  recordSha256: string;
  evidence: RecordEvidence[];
}

/** Build, sign and audit one staff record inside the caller's transaction. */
export async function signStaffRecordIn(trx: Kysely<DB>, vault: Vault, actor: Actor, input: Omit<StaffRecord, 'format' | 'vault' | 'recordedBy' | 'recordedAt'> & { personId: number }, action: string, at: Date): Promise<{ sha256: string; audit: AuditDraft }> {
  const signer = signerOf(actor);
  const { personId, ...fields } = input;
  const record: StaffRecord = { format: STAFF_RECORD_FORMAT, vault: vault.vaultId, ...fields, recordedBy: { login: actor.login, fingerprint: signer.fingerprint }, recordedAt: at.toISOString() };
  const bytes = staffRecordBytes(record);
  const signature = Buffer.from(await signer.sign(bytes)).toString('base64');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await trx.insertInto('staff_records').values({
    person_id: personId, kind: record.kind, course: record.course?.id ?? '', on_date: record.on, lapses_on: record.lapsesOn,
    record: bytes.toString('utf8'), signer_fingerprint: signer.fingerprint, signature, recorded_by: actor.login, recorded_at: record.recordedAt,
  }).execute();
  return {
    sha256,
    audit: { action, actor: actor.login, subject: record.person.login, outcome: 'ok', details: {
      course: record.course?.id ?? null, on: record.on, lapses_on: record.lapsesOn, record_sha256: sha256, fingerprint: signer.fingerprint,
      evidence: record.evidence.map((e) => ({ name: e.name, sha256: e.sha256, size: e.size })), self: record.person.login === actor.login,
    } },
  };
}

/** `gmv training record HANDLE COURSE… --completed DAY`: one signed record per course. */
export async function recordTraining(vault: Vault, actor: Actor, login: string, courses: string[], completed: CivilDate, evidence: RecordEvidence[]): Promise<RecordedView[]> {
  await authorize(vault, actor, 'staff.manage', login);
  const db = vault.store.db;
  const policy = await activePolicy(db);
  for (const course of courses) {
    if (!policy.training.courses[course]) throw new GmvError('COURSE_UNKNOWN', { course, courses: Object.keys(policy.training.courses).join(', ') });
  }
  const person = await subject(db, login);
  const today = civilDateOf(vault.now());
  pastDay(completed, today, '--completed');
  return commitChange(vault, async (trx) => {
    const at = vault.now();
    const views: RecordedView[] = [];
    const audit: AuditDraft[] = [];
    for (const course of [...new Set(courses)]) {
      const spec = policy.training.courses[course]!;
      const lapsesOn = lapseDay(completed, spec.validityMonths);
      const signed = await signStaffRecordIn(trx, vault, actor, {
        personId: person.id, kind: 'training', person: { login, name: person.name, employer: person.employer },
        course: { id: course, title: spec.title }, on: completed, lapsesOn, evidence, details: { cite: spec.cite },
      }, 'training.record', at);
      audit.push(signed.audit);
      views.push({ login, kind: 'training', course, on: completed, until: lapsesOn, lapsed: today >= lapsesOn, recordSha256: signed.sha256, evidence });
    }
    return { result: views, audit };
  }, { by: actor });
}

/** `gmv nda record HANDLE --signed DAY`: the confidentiality agreement of a contractor (Art. 7). */
export async function recordNda(vault: Vault, actor: Actor, login: string, signedOn: CivilDate, evidence: RecordEvidence[]): Promise<RecordedView> {
  await authorize(vault, actor, 'staff.manage', login);
  const db = vault.store.db;
  const policy = await activePolicy(db);
  const person = await subject(db, login);
  const today = civilDateOf(vault.now());
  pastDay(signedOn, today, '--signed');
  const lapsesOn = lapseDay(signedOn, policy.contractors.ndaValidityMonths);
  return commitChange(vault, async (trx) => {
    const signed = await signStaffRecordIn(trx, vault, actor, {
      personId: person.id, kind: 'nda', person: { login, name: person.name, employer: person.employer },
      course: null, on: signedOn, lapsesOn, evidence, details: { contractor: isContractor(person) },
    }, 'nda.record', vault.now());
    return { result: { login, kind: 'nda' as const, course: null, on: signedOn, until: lapsesOn, lapsed: today >= lapsesOn, recordSha256: signed.sha256, evidence }, audit: [signed.audit] };
  }, { by: actor });
}

export interface TrainingStatusRow {
  login: string;
  name: string;
  roles: string[];
  contractor: boolean;
  status: string;
  /** What they lack today: each blocks every credential door. */
  shortfalls: Qualification['shortfalls'];
  /** What they hold that lapses within the window. */
  /** Records that lapse within the window, with the day they do. */
  lapsing: { what: string; until: string }[];
}

/** `gmv training status [--expiring DAYS]`: who lacks what, and who lapses within DAYS (default 30). */
export async function trainingStatus(vault: Vault, actor: Actor, options: { expiringDays?: number; login?: string } = {}): Promise<{ today: CivilDate; within: number; people: TrainingStatusRow[] }> {
  await authorize(vault, actor, 'staff.manage', options.login ?? null);
  const db = vault.store.db;
  const policy = await activePolicy(db);
  const today = civilDateOf(vault.now());
  const within = options.expiringDays ?? 30;
  const horizon = addDays(today, within);
  let q = db.selectFrom('people').select(['id', 'login', 'name', 'employer', 'status', 'roles']).where('status', '!=', 'departed');
  if (options.login) q = q.where('login', '=', options.login);
  const people = await q.orderBy('login').execute();
  const rows: TrainingStatusRow[] = [];
  // One trust anchor for the whole listing (it reads this terminal's seen checkpoint).
  const ctx = sealContext(vault);
  for (const p of people) {
    const roles = storedRoles(p.roles, p.login);
    const records = await checkedRecords(db, ctx, { id: Number(p.id), login: p.login });
    const q2 = qualification({ roles, employer: p.employer }, records, qualificationRules(policy), today);
    rows.push({ login: p.login, name: p.name, roles, contractor: isContractor(p), status: p.status, shortfalls: q2.shortfalls, lapsing: q2.held.filter((h) => h.lapsesOn <= horizon).map((h) => ({ what: h.what, until: h.lapsesOn })) });
  }
  return { today, within, people: rows };
}

/** What lapses within `days` for one person: the warning `gmv login` and `gmv whoami` print. */
export async function lapsingFor(vault: Vault, person: { id: number; login: string }, days = 30): Promise<{ shortfalls: Qualification['shortfalls']; lapsing: Qualification['held'] }> {
  const db = vault.store.db;
  const row = await db.selectFrom('people').select(['roles', 'employer']).where('id', '=', person.id).executeTakeFirst();
  if (!row) return { shortfalls: [], lapsing: [] };
  const policy = await activePolicy(db);
  const today = civilDateOf(vault.now());
  const q = qualification({ roles: storedRoles(row.roles, person.login), employer: row.employer }, await checkedRecords(db, sealContext(vault), person), qualificationRules(policy), today);
  return { shortfalls: q.shortfalls, lapsing: q.held.filter((h) => h.lapsesOn <= addDays(today, days)) };
}

export interface OnboardInput {
  login: string;
  name: string;
  unit: string;
  roles: import('../domain/names.js').Role[];
  employer?: string;
  training: { course: string; completed: CivilDate }[];
  nda?: CivilDate;
  evidence: RecordEvidence[];
}

export interface OnboardView {
  login: string;
  name: string;
  unit: string;
  roles: string[];
  employer: string | null;
  recorded: RecordedView[];
  /** What they still lack: access stays refused until it is recorded. */
  shortfalls: Qualification['shortfalls'];
  recordSha256: string;
}

/**
 * `gmv staff onboard`: the person, their NDA and training records and the signed onboarding record,
 * in one transaction (Arts. 7, 25). Access can be granted only once nothing is missing.
 */
export async function onboardStaff(vault: Vault, actor: KeyHolder, input: OnboardInput): Promise<OnboardView> {
  const { checkNewPerson, insertPersonIn } = await import('./staff.js');
  checkNewPerson(input);
  await authorize(vault, actor, 'staff.manage', input.login);
  signerOf(actor);
  const db = vault.store.db;
  const policy = await activePolicy(db);
  const today = civilDateOf(vault.now());
  for (const t of input.training) {
    if (!policy.training.courses[t.course]) throw new GmvError('COURSE_UNKNOWN', { course: t.course, courses: Object.keys(policy.training.courses).join(', ') });
    pastDay(t.completed, today, '--training');
  }
  if (input.nda) pastDay(input.nda, today, '--nda');
  const employer = input.employer ?? null;
  const { orgSecretFor } = await import('./officer-keys.js');
  const orgSigner = await orgSecretFor(vault, actor);
  return commitChange(vault, async (trx) => {
    const at = vault.now();
    const added = await insertPersonIn(trx, vault.vaultId, orgSigner, at, actor.login, input);
    const audit: AuditDraft[] = [added.audit];
    const recorded: RecordedView[] = [];
    const person = { login: input.login, name: input.name, employer };
    const held: HeldRecord[] = [];
    for (const t of input.training) {
      const spec = policy.training.courses[t.course]!;
      const lapsesOn = lapseDay(t.completed, spec.validityMonths);
      const signed = await signStaffRecordIn(trx, vault, actor, { personId: added.id, kind: 'training', person, course: { id: t.course, title: spec.title }, on: t.completed, lapsesOn, evidence: input.evidence, details: { cite: spec.cite } }, 'training.record', at);
      audit.push(signed.audit);
      held.push({ kind: 'training', course: t.course, on: t.completed, lapsesOn });
      recorded.push({ login: input.login, kind: 'training', course: t.course, on: t.completed, until: lapsesOn, lapsed: today >= lapsesOn, recordSha256: signed.sha256, evidence: input.evidence });
    }
    if (input.nda) {
      const lapsesOn = lapseDay(input.nda, policy.contractors.ndaValidityMonths);
      const signed = await signStaffRecordIn(trx, vault, actor, { personId: added.id, kind: 'nda', person, course: null, on: input.nda, lapsesOn, evidence: input.evidence, details: { contractor: employer !== null } }, 'nda.record', at);
      audit.push(signed.audit);
      held.push({ kind: 'nda', course: '', on: input.nda, lapsesOn });
      recorded.push({ login: input.login, kind: 'nda', course: null, on: input.nda, until: lapsesOn, lapsed: today >= lapsesOn, recordSha256: signed.sha256, evidence: input.evidence });
    }
    const { shortfalls } = qualification({ roles: input.roles, employer }, held, qualificationRules(policy), today);
    const onboarding = await signStaffRecordIn(trx, vault, actor, {
      personId: added.id, kind: 'onboarding', person, course: null, on: today, lapsesOn: null, evidence: input.evidence,
      details: { unit: input.unit, roles: input.roles, records: recorded.map((r) => r.recordSha256), missing: shortfalls.map((s) => `${s.what}:${s.state}`) },
    }, 'person.onboard', at);
    audit.push(onboarding.audit);
    return { result: { login: input.login, name: input.name, unit: input.unit, roles: input.roles, employer, recorded, shortfalls, recordSha256: onboarding.sha256 }, audit };
  }, { by: actor });
}
