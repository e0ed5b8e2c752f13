/**
 * Checklist runs over the policy pack's templates (Art. 28 drills and inspections, Art. 29 cases,
 * Art. 25 offboarding, Arts. 12–14 filing). A run is started, each step recorded (status, note,
 * evidence hashes), signed by a performer (a holder of one of the template's performer roles) and,
 * where the template says so, countersigned by a different person holding a countersign role: the
 * two-person rule. Both sign the same canonical record (domain/checklist-record.ts) with their person
 * keys. Every action is an audit entry in the same transaction as the change.
 *
 * Other use cases open a triggered run inside their own transaction with `startRunIn(trx, …)`.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { GmvError } from '../errors.js';
import type { DB } from '../store/schema.js';
import { rolesOf } from '../store/people.js';
import { addDays, addMonths, civilDateOf, type CivilDate } from '../domain/dates.js';
import { addWorkdays, type WorkCalendar } from '../domain/workdays.js';
import { RUN_RECORD_FORMAT, runRecordBytes, type RecordEvidence, type RunRecord } from '../domain/checklist-record.js';
import type { ChecklistTemplate, Policy } from '../policy/policy.js';
import type { AuditDraft } from '../audit/entry.js';
import { authorize, refuse, type Actor } from './access.js';
import type { ChecklistAction } from '../domain/access-rules.js';
import { workCalendar } from './calendar.js';
import { activePolicy, commitChange, recordedPolicy, type Vault } from './vault.js';
import { statusKey } from '../i18n/catalogue.js';

export type StepStatus = 'done' | 'failed' | 'na';
export const STEP_STATUSES: readonly StepStatus[] = ['done', 'failed', 'na'];

export interface RunStepView {
  id: string;
  title: { zh: string; en: string };
  evidenceRequired: boolean;
  status: StepStatus | null;
  note: string | null;
  evidence: RecordEvidence[];
  by: string | null;
  at: string | null;
}

export interface RunView {
  id: string;
  template: string;
  title: { zh: string; en: string };
  cite: { zh: string; en: string };
  slug: string | null;
  trigger: string | null;
  startedBy: string;
  startedAt: string;
  deadline: string | null;
  overdue: boolean;
  status: 'open' | 'signed' | 'countersigned';
  countersignRequired: boolean;
  performer: string | null;
  signedAt: string | null;
  countersigner: string | null;
  countersignedAt: string | null;
  steps: RunStepView[];
}

function templateOf(policy: Policy, id: string): ChecklistTemplate {
  const t = policy.checklists[id];
  if (!t) throw new GmvError('CHECKLIST_TEMPLATE_UNKNOWN', { template: id, templates: Object.keys(policy.checklists).join(', ') });
  return t;
}

/** The deadline in working days from a civil day; null when the calendar cannot count it (flagged, not guessed). */
function deadlineFrom(calendar: WorkCalendar, from: CivilDate, workingDays: number): CivilDate | null {
  try {
    return addWorkdays(calendar, from, workingDays);
  } catch (error) {
    if (error instanceof GmvError && error.code === 'CALENDAR_UNKNOWN') return null;
    throw error;
  }
}

async function nextRunId(trx: Kysely<DB>): Promise<string> {
  const last = await trx.selectFrom('checklist_runs').select('id').orderBy('id', 'desc').executeTakeFirst();
  return `R-${String(Number(last?.id ?? 0) + 1).padStart(4, '0')}`;
}

/**
 * Ask the one door: the template's roles, and for a step or a signature the training and NDA rules
 * too (a performer whose course lapsed attests nothing). A refusal is audited with its rule.
 */
export async function checklistDoor(vault: Vault, actor: Actor, action: ChecklistAction, subject: string, roles: readonly string[]): Promise<void> {
  await authorize(vault, actor, { kind: 'checklist', action, subject, roles });
}

/** Open a run inside the caller's transaction (offboarding, a counterfeit report, a backup drill…). */
export async function startRunIn(trx: Kysely<DB>, context: { policy: Policy; calendar: WorkCalendar; now: Date }, input: { template: string; by: string; accountId?: number | null; account?: string | null; trigger?: string | null }): Promise<{ id: string; deadline: string | null; audit: AuditDraft }> {
  const template = templateOf(context.policy, input.template);
  const id = await nextRunId(trx);
  const deadline = deadlineFrom(context.calendar, civilDateOf(context.now), template.deadlineWorkingDays);
  await trx.insertInto('checklist_runs').values({
    run_id: id, template: input.template, account_id: input.accountId ?? null, trigger: input.trigger ?? null, started_by: input.by,
    started_at: context.now.toISOString(), deadline, status: 'open', record: null, performer: null, performer_fingerprint: null,
    performer_sig: null, signed_at: null, countersigner: null, countersigner_fingerprint: null, countersigner_sig: null, countersigned_at: null,
  }).execute();
  return { id, deadline, audit: { action: 'checklist.start', actor: input.by, subject: id, outcome: 'ok', details: { template: input.template, account: input.account ?? null, trigger: input.trigger ?? null, deadline } } };
}

/**
 * Open, inside the caller's transaction, a run of every template the pack triggers on `event`
 * (offboarding, filing-change, account-closure, impersonation-report): the event's use case calls
 * this, so the pack decides which checklists follow it. No template for the event opens nothing.
 */
export async function openTriggeredRunsIn(trx: Kysely<DB>, context: { policy: Policy; calendar: WorkCalendar; now: Date }, event: string, input: { by: string; accountId?: number | null; account?: string | null; trigger?: string }): Promise<{ runs: { id: string; template: string; deadline: string | null }[]; audit: AuditDraft[] }> {
  const runs: { id: string; template: string; deadline: string | null }[] = [];
  const audit: AuditDraft[] = [];
  for (const [template, t] of Object.entries(context.policy.checklists)) {
    if (t.trigger?.event !== event) continue;
    const started = await startRunIn(trx, context, { template, by: input.by, accountId: input.accountId ?? null, account: input.account ?? null, trigger: input.trigger ?? event });
    runs.push({ id: started.id, template, deadline: started.deadline });
    audit.push(started.audit);
  }
  return { runs, audit };
}

/** Record a step's status inside the caller's transaction (a drill records what it measured). */
export async function recordStepIn(trx: Kysely<DB>, run: { pk: number; id: string; template: ChecklistTemplate }, step: { id: string; status: StepStatus; note: string | null; evidence: RecordEvidence[]; by: string; at: Date }): Promise<AuditDraft> {
  const def = run.template.steps.find((s) => s.id === step.id);
  if (!def) throw new GmvError('CHECKLIST_STEP_UNKNOWN', { run: run.id, step: step.id, steps: run.template.steps.map((s) => s.id).join(', ') });
  if (step.status !== 'done' && !step.note) throw new GmvError('CHECKLIST_NOTE_REQUIRED', { run: run.id, step: step.id, status: statusKey('step', step.status) });
  if (step.status === 'done' && def.evidence && step.evidence.length === 0) throw new GmvError('CHECKLIST_EVIDENCE_REQUIRED', { run: run.id, step: step.id });
  await trx.insertInto('checklist_steps').values({ run_pk: run.pk, step_id: step.id, status: step.status, note: step.note, evidence: JSON.stringify(step.evidence), by: step.by, at: step.at.toISOString() }).execute();
  return { action: 'checklist.step', actor: step.by, subject: run.id, outcome: 'ok', details: { step: step.id, status: step.status, note: step.note, evidence: step.evidence.map((e) => ({ name: e.name, sha256: e.sha256, size: e.size })) } };
}

export async function startRun(vault: Vault, actor: Actor, templateId: string, account: string | undefined): Promise<RunView> {
  const policy = await activePolicy(vault.store.db);
  const template = templateOf(policy, templateId);
  await checklistDoor(vault, actor, 'checklist.start', templateId, template.performers);
  let accountId: number | null = null;
  if (account) {
    const row = await vault.store.db.selectFrom('accounts').select('id').where('slug', '=', account).executeTakeFirst();
    if (!row) throw new GmvError('ACCOUNT_NOT_FOUND', { slug: account });
    accountId = Number(row.id);
  }
  const calendar = await workCalendar(vault);
  const id = await commitChange(vault, async (trx) => {
    const started = await startRunIn(trx, { policy, calendar, now: vault.now() }, { template: templateId, by: actor.login, accountId, account: account ?? null });
    return { result: started.id, audit: [started.audit] };
  }, { by: actor });
  return showRun(vault, id);
}

async function runRow(vault: Vault, id: string) {
  const row = await vault.store.db.selectFrom('checklist_runs').leftJoin('accounts', 'accounts.id', 'checklist_runs.account_id')
    .selectAll('checklist_runs').select('accounts.slug as account').where('run_id', '=', id).executeTakeFirst();
  if (!row) throw new GmvError('CHECKLIST_RUN_NOT_FOUND', { run: id });
  return row;
}

/** The latest recorded status of each step. */
async function latestSteps(db: Kysely<DB>, runPk: number) {
  const rows = await db.selectFrom('checklist_steps').selectAll().where('run_pk', '=', runPk).orderBy('id').execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) latest.set(r.step_id, r);
  return latest;
}

export async function recordStep(vault: Vault, actor: Actor, runId: string, input: { step: string; status: StepStatus; note?: string; evidence: RecordEvidence[] }): Promise<RunView> {
  const policy = await activePolicy(vault.store.db);
  const row = await runRow(vault, runId);
  const template = templateOf(policy, row.template);
  await checklistDoor(vault, actor, 'checklist.step', runId, template.performers);
  if (row.status !== 'open') throw new GmvError('CHECKLIST_RUN_SIGNED', { run: runId });
  await commitChange(vault, async (trx) => {
    const current = await trx.selectFrom('checklist_runs').select('status').where('id', '=', row.id).executeTakeFirstOrThrow();
    if (current.status !== 'open') throw new GmvError('CHECKLIST_RUN_SIGNED', { run: runId });
    const audit = await recordStepIn(trx, { pk: Number(row.id), id: runId, template }, { id: input.step, status: input.status, note: input.note ?? null, evidence: input.evidence, by: actor.login, at: vault.now() });
    return { result: undefined, audit: [audit] };
  }, { by: actor });
  return showRun(vault, runId);
}

/** The record both people sign, from the run as stored. */
async function buildRecord(vault: Vault, row: Awaited<ReturnType<typeof runRow>>, template: ChecklistTemplate, performer: { login: string; fingerprint: string; at: string }): Promise<RunRecord> {
  const db = vault.store.db;
  const steps = await latestSteps(db, Number(row.id));
  const missing = template.steps.filter((s) => !steps.has(s.id)).map((s) => s.id);
  if (missing.length) throw new GmvError('CHECKLIST_INCOMPLETE', { run: row.run_id, steps: missing.join(', ') });
  const { pack, override } = await recordedPolicy(db);
  const policyHash = createHash('sha256').update(pack?.body ?? '').update('\n').update(override?.body ?? '').digest('hex');
  const entries = await db.selectFrom('audit_entries').select('seq').where('subject', '=', row.run_id).where('action', 'in', ['checklist.start', 'checklist.step']).where('outcome', '=', 'ok').orderBy('seq').execute();
  return {
    format: RUN_RECORD_FORMAT,
    vault: vault.vaultId,
    run: { id: row.run_id, template: row.template, title: template.title, cite: template.cite, account: row.account ?? null, trigger: row.trigger, startedBy: row.started_by, startedAt: row.started_at, deadline: row.deadline },
    policy: { pack: (await activePolicy(db)).name, sha256: policyHash },
    steps: template.steps.map((def) => {
      const s = steps.get(def.id)!;
      return { id: def.id, title: def.title, status: s.status as StepStatus, note: s.note, evidence: JSON.parse(s.evidence) as RecordEvidence[], by: s.by, at: s.at };
    }),
    performer: { login: performer.login, fingerprint: performer.fingerprint, signedAt: performer.at },
    countersign: { required: template.countersign.required, roles: template.countersign.roles },
    auditEntries: entries.map((e) => Number(e.seq)),
  };
}

function runOf(row: Awaited<ReturnType<typeof runRow>>, template: ChecklistTemplate) {
  return { pk: Number(row.id), id: row.run_id, template, accountId: row.account_id === null ? null : Number(row.account_id), account: row.account ?? null, startedAt: row.started_at };
}

function signerOf(actor: Actor): NonNullable<Actor['signer']> {
  if (!actor.signer) throw new GmvError('SESSION_REQUIRED', {});
  return actor.signer;
}

/** The run once signed, and what its completion started (a run without a countersignature completes here). */
export interface SignedRun {
  run: RunView;
  started: Completion['started'];
}

export async function signRun(vault: Vault, actor: Actor, runId: string): Promise<SignedRun> {
  const policy = await activePolicy(vault.store.db);
  const row = await runRow(vault, runId);
  const template = templateOf(policy, row.template);
  await checklistDoor(vault, actor, 'checklist.sign', runId, template.performers);
  if (row.status !== 'open') throw new GmvError('CHECKLIST_RUN_SIGNED', { run: runId });
  const signer = signerOf(actor);
  const at = vault.now().toISOString();
  const record = await buildRecord(vault, row, template, { login: actor.login, fingerprint: signer.fingerprint, at });
  const bytes = runRecordBytes(record);
  const signature = Buffer.from(await signer.sign(bytes)).toString('base64');
  const recordSha256 = createHash('sha256').update(bytes).digest('hex');
  const context = { policy, calendar: await workCalendar(vault), now: vault.now() };
  const completed = await commitChange(vault, async (trx) => {
    const changed = await trx.updateTable('checklist_runs').set({ status: 'signed', record: bytes.toString('utf8'), performer: actor.login, performer_fingerprint: signer.fingerprint, performer_sig: signature, signed_at: at })
      .where('id', '=', row.id).where('status', '=', 'open').executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw new GmvError('CHECKLIST_RUN_SIGNED', { run: runId });
    const completion = template.countersign.required ? null : await completeRunIn(trx, context, runOf(row, template), actor.login, at);
    return {
      result: completion,
      audit: [{ action: 'checklist.sign', actor: actor.login, subject: runId, outcome: 'ok', details: { record_sha256: recordSha256, fingerprint: signer.fingerprint, ...(completion ? completionDetails(completion) : {}) } }, ...(completion?.audit ?? [])],
    };
  }, { by: actor });
  return { run: await showRun(vault, runId), started: completed?.started ?? [] };
}

/** A run another one started: the trigger names the run that started it. */
export const startedByTrigger = (runId: string): string => `run:${runId}`;

export interface Completion {
  /** Counterfeit cases the run closed. */
  closes: string[];
  /** Runs its template `starts`, opened now. */
  started: { id: string; template: string; deadline: string | null }[];
  /** Their `checklist.start` entries. */
  audit: AuditDraft[];
}

/**
 * Mark a run complete inside the signing transaction, and do what waited on it: a counterfeit case
 * (Art. 29) is closed by its run, never on its own, and a run of each template this one `starts`
 * is opened (the account's closure filed with the office, Art. 12), with its own `checklist.start`
 * and the finished run as its trigger. Completing twice never starts twice: a follow-up this run
 * already started, or one of the same template opened for the same account since this run began
 * (archiving a closed account files the closure too), is not opened again.
 */
async function completeRunIn(trx: Kysely<DB>, context: { policy: Policy; calendar: WorkCalendar; now: Date }, run: { pk: number; id: string; template: ChecklistTemplate; accountId: number | null; account: string | null; startedAt: string }, by: string, at: string): Promise<Completion> {
  await trx.updateTable('checklist_runs').set({ status: 'countersigned' }).where('id', '=', run.pk).execute();
  const cases = await trx.selectFrom('impersonation_cases').select('case_no').where('run_id', '=', run.id).where('closed_at', 'is', null).orderBy('id').execute();
  if (cases.length) await trx.updateTable('impersonation_cases').set({ closed_at: at }).where('run_id', '=', run.id).where('closed_at', 'is', null).execute();
  const completion: Completion = { closes: cases.map((c) => c.case_no), started: [], audit: [] };
  const trigger = startedByTrigger(run.id);
  for (const template of new Set(run.template.starts)) {
    // A counterfeit case's run belongs to the case `gmv impersonation report` records: started
    // from a finished run (an older pack had the sweep start one) it would be a case with no case.
    if (templateOf(context.policy, template).trigger?.event === 'impersonation-report') continue;
    const byTrigger = await trx.selectFrom('checklist_runs').select('run_id').where('template', '=', template).where('trigger', '=', trigger).executeTakeFirst();
    if (byTrigger) continue;
    if (run.accountId !== null) {
      const forAccount = await trx.selectFrom('checklist_runs').select('run_id').where('template', '=', template).where('account_id', '=', run.accountId)
        .where('started_at', '>=', run.startedAt).executeTakeFirst();
      if (forAccount) continue;
    }
    const started = await startRunIn(trx, context, { template, by, accountId: run.accountId, account: run.account, trigger });
    completion.started.push({ id: started.id, template, deadline: started.deadline });
    completion.audit.push(started.audit);
  }
  return completion;
}

/** What a completion adds to the completing entry's details. */
function completionDetails(c: Completion): Record<string, unknown> {
  return { ...(c.closes.length ? { closes: c.closes } : {}), ...(c.started.length ? { starts: c.started.map((r) => r.id) } : {}) };
}

export async function countersignRun(vault: Vault, actor: Actor, runId: string): Promise<SignedRun> {
  const policy = await activePolicy(vault.store.db);
  const row = await runRow(vault, runId);
  const template = templateOf(policy, row.template);
  if (row.status === 'open') throw new GmvError('CHECKLIST_NOT_SIGNED', { run: runId });
  if (row.countersigner) throw new GmvError('CHECKLIST_RUN_SIGNED', { run: runId });
  // The two-person rule: whoever performed may not also attest it, whichever terminal they use.
  if (row.performer === actor.login) {
    await refuse(vault, actor, { action: 'checklist.countersign', subject: runId, rule: 'two-person', reason: 'the performer cannot countersign', code: 'DENIED_SELF_COUNTERSIGN', params: { run: runId, login: actor.login } });
  }
  const roles = template.countersign.roles.length ? template.countersign.roles : template.performers;
  await checklistDoor(vault, actor, 'checklist.countersign', runId, roles);
  const signer = signerOf(actor);
  const bytes = Buffer.from(row.record!, 'utf8');
  const signature = Buffer.from(await signer.sign(bytes)).toString('base64');
  const at = vault.now().toISOString();
  const held = await rolesOf(vault.store.db, actor.personId);
  const context = { policy, calendar: await workCalendar(vault), now: vault.now() };
  const completion = await commitChange(vault, async (trx) => {
    const changed = await trx.updateTable('checklist_runs').set({ status: 'countersigned', countersigner: actor.login, countersigner_fingerprint: signer.fingerprint, countersigner_sig: signature, countersigned_at: at })
      .where('id', '=', row.id).where('countersigner', 'is', null).executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw new GmvError('CHECKLIST_RUN_SIGNED', { run: runId });
    const done = await completeRunIn(trx, context, runOf(row, template), actor.login, at);
    return {
      result: done,
      audit: [{ action: 'checklist.countersign', actor: actor.login, subject: runId, outcome: 'ok', details: { record_sha256: createHash('sha256').update(bytes).digest('hex'), fingerprint: signer.fingerprint, roles: held.filter((r) => roles.includes(r)), ...completionDetails(done) } }, ...done.audit],
    };
  }, { by: actor });
  return { run: await showRun(vault, runId), started: completion.started };
}

function viewOf(row: Awaited<ReturnType<typeof runRow>>, template: ChecklistTemplate | undefined, steps: Map<string, { status: string; note: string | null; evidence: string; by: string; at: string }>, today: CivilDate): RunView {
  return {
    id: row.run_id, template: row.template, title: template?.title ?? { zh: row.template, en: row.template }, cite: template?.cite ?? { zh: '', en: '' },
    slug: row.account ?? null, trigger: row.trigger, startedBy: row.started_by, startedAt: row.started_at, deadline: row.deadline,
    overdue: row.status === 'open' && row.deadline !== null && today > row.deadline,
    status: row.status as RunView['status'], countersignRequired: template?.countersign.required ?? false,
    performer: row.performer, signedAt: row.signed_at, countersigner: row.countersigner, countersignedAt: row.countersigned_at,
    steps: (template?.steps ?? []).map((def) => {
      const s = steps.get(def.id);
      return { id: def.id, title: def.title, evidenceRequired: def.evidence, status: (s?.status ?? null) as StepStatus | null, note: s?.note ?? null, evidence: s ? JSON.parse(s.evidence) as RecordEvidence[] : [], by: s?.by ?? null, at: s?.at ?? null };
    }),
  };
}

export async function showRun(vault: Vault, id: string): Promise<RunView> {
  const row = await runRow(vault, id);
  const policy = await activePolicy(vault.store.db);
  return viewOf(row, policy.checklists[row.template], await latestSteps(vault.store.db, Number(row.id)), civilDateOf(vault.now()));
}

export async function listRuns(vault: Vault, filter: { open?: boolean } = {}): Promise<RunView[]> {
  const policy = await activePolicy(vault.store.db);
  let q = vault.store.db.selectFrom('checklist_runs').leftJoin('accounts', 'accounts.id', 'checklist_runs.account_id').selectAll('checklist_runs').select('accounts.slug as account');
  if (filter.open) q = q.where('checklist_runs.status', '!=', 'countersigned');
  const rows = await q.orderBy('checklist_runs.id').execute();
  const stepRows = await vault.store.db.selectFrom('checklist_steps').selectAll().orderBy('id').execute();
  const today = civilDateOf(vault.now());
  return rows.map((row) => {
    const steps = new Map<string, (typeof stepRows)[number]>();
    for (const s of stepRows) if (Number(s.run_pk) === Number(row.id)) steps.set(s.step_id, s);
    return viewOf(row, policy.checklists[row.template], steps, today);
  });
}

export interface DueItem {
  template: string;
  title: { zh: string; en: string };
  /** cadence: a periodic checklist; open: a run started and not finished. */
  kind: 'cadence' | 'open';
  run: string | null;
  slug: string | null;
  /** Civil date it is due by; null when the calendar cannot count it. */
  due: string | null;
  state: 'due' | 'overdue' | 'never-run' | 'unknown';
  /** For a cadence: when it was last completed. */
  last: string | null;
}

/** What is due or overdue: periodic templates by their cadence (from the last completed run), and open runs by their deadline. */
export async function dueChecklists(vault: Vault, options: { withinDays?: number } = {}): Promise<{ today: CivilDate; items: DueItem[] }> {
  const policy = await activePolicy(vault.store.db);
  const today = civilDateOf(vault.now());
  const horizon = addDays(today, options.withinDays ?? 30);
  const runs = await listRuns(vault);
  const items: DueItem[] = [];
  for (const [id, t] of Object.entries(policy.checklists)) {
    if (!t.cadence) continue;
    const done = runs.filter((r) => r.template === id && r.status === 'countersigned').map((r) => r.countersignedAt ?? r.signedAt!).sort().at(-1) ?? null;
    const openRun = runs.find((r) => r.template === id && r.status !== 'countersigned');
    if (openRun) continue; // listed below with its own deadline
    if (!done) {
      items.push({ template: id, title: t.title, kind: 'cadence', run: null, slug: null, due: today, state: 'never-run', last: null });
      continue;
    }
    const lastDay = civilDateOf(new Date(done));
    const due = t.cadence.months ? addMonths(lastDay, t.cadence.months) : addDays(lastDay, t.cadence.days ?? 0);
    if (due <= horizon) items.push({ template: id, title: t.title, kind: 'cadence', run: null, slug: null, due, state: today > due ? 'overdue' : 'due', last: lastDay });
  }
  for (const r of runs.filter((run) => run.status !== 'countersigned')) {
    items.push({ template: r.template, title: r.title, kind: 'open', run: r.id, slug: r.slug, due: r.deadline, state: r.deadline === null ? 'unknown' : r.overdue ? 'overdue' : 'due', last: null });
  }
  return { today, items };
}
