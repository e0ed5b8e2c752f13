/**
 * Counterfeit-account cases (Art. 29): `gmv impersonation report` records a suspected counterfeit of
 * one of the unit's accounts — found by whom, when, where, with the evidence files' hashes — and in
 * the same transaction opens the checklist the pack triggers on `impersonation-report` (verify, ask
 * the CAC and police for help, ask the platform to shut it down, report upward) with its working-day
 * deadline. The case closes when that run is complete (services/checklists.ts, on the signature
 * that completes it); `list` and `show` read each case's state from its run.
 */
import { GmvError } from '../errors.js';
import { civilDateOf } from '../domain/dates.js';
import { PLATFORMS } from '../domain/password-gen.js';
import { caseNumber, caseSerial, caseStepState, counterfeitUrl, MAX_HANDLE_LENGTH, MAX_NOTE_LENGTH, reportText, type CaseStepState } from '../domain/impersonation.js';
import type { RecordEvidence } from '../domain/checklist-record.js';
import type { AuditDraft } from '../audit/entry.js';
import { authorize, type Actor } from './access.js';
import { workCalendar } from './calendar.js';
import { listRuns, openTriggeredRunsIn, showRun, type RunView } from './checklists.js';
import { activePolicy, commitChange, type Vault } from './vault.js';

/** The event the pack's case checklist is triggered by (policies/*.yaml). */
export const IMPERSONATION_EVENT = 'impersonation-report';

export interface ReportInput {
  platform: string;
  url?: string | undefined;
  handle?: string | undefined;
  /** Slug of the unit's account it imitates. */
  account?: string | undefined;
  note?: string | undefined;
  evidence: RecordEvidence[];
}

export interface CaseStepView {
  id: string;
  title: { zh: string; en: string };
  evidenceRequired: boolean;
  state: CaseStepState;
  /** The run's deadline (a civil date, China); null when the calendar could not count it. */
  due: string | null;
  note: string | null;
  evidence: RecordEvidence[];
  by: string | null;
  at: string | null;
}

export interface CaseView {
  id: string;
  platform: string;
  url: string | null;
  handle: string | null;
  slug: string | null;
  note: string | null;
  evidence: RecordEvidence[];
  reportedBy: string;
  reportedAt: string;
  /** closed: its run is complete (signed, and countersigned where the template asks). */
  state: 'open' | 'closed';
  closedAt: string | null;
  run: { id: string; template: string; title: { zh: string; en: string }; cite: { zh: string; en: string }; status: RunView['status']; deadline: string | null; overdue: boolean; countersignRequired: boolean; performer: string | null; countersigner: string | null } | null;
  steps: CaseStepView[];
  /** Ids of the steps past the deadline and not recorded. */
  overdue: string[];
}

export interface ReportResult {
  case: CaseView;
  /** Every run the report opened (the pack may trigger more than the case checklist). */
  runs: { id: string; template: string; deadline: string | null }[];
}

function checkedInput(input: ReportInput): { platform: string; url: string | null; handle: string | null; note: string | null } {
  if (!(PLATFORMS as readonly string[]).includes(input.platform)) {
    throw new GmvError('INVALID_INPUT', { what: 'detail.whatPlatform', detail: 'detail.platformUnknown', platform: input.platform, platforms: PLATFORMS.join(', ') });
  }
  if (input.url === undefined && input.handle === undefined) throw new GmvError('USAGE', { detail: 'detail.reportWhere' });
  return {
    platform: input.platform,
    url: input.url === undefined ? null : counterfeitUrl(input.url),
    handle: input.handle === undefined ? null : reportText('handle', input.handle, MAX_HANDLE_LENGTH),
    note: input.note === undefined ? null : reportText('note', input.note, MAX_NOTE_LENGTH),
  };
}

/**
 * Record a suspected counterfeit and open its checklist, in one transaction with the audit entries.
 * Anyone running the unit's accounts may report (the `impersonation.report` door); a refusal is audited.
 */
export async function reportImpersonation(vault: Vault, actor: Actor, input: ReportInput): Promise<ReportResult> {
  const checked = checkedInput(input);
  await authorize(vault, actor, 'impersonation.report', input.account ?? checked.platform);
  const policy = await activePolicy(vault.store.db);
  const calendar = await workCalendar(vault);
  const now = vault.now();
  const { caseNo, runs } = await commitChange(vault, async (trx) => {
    let accountId: number | null = null;
    if (input.account !== undefined) {
      const row = await trx.selectFrom('accounts').select('id').where('slug', '=', input.account).executeTakeFirst();
      if (!row) throw new GmvError('ACCOUNT_NOT_FOUND', { slug: input.account });
      accountId = Number(row.id);
    }
    // Numbered within the China year, under the write lock, so two reports never share a number.
    const year = civilDateOf(now).slice(0, 4);
    const numbers = await trx.selectFrom('impersonation_cases').select('case_no').where('case_no', 'like', `IMP-${year}-%`).execute();
    const caseNo = caseNumber(year, Math.max(0, ...numbers.map((r) => caseSerial(r.case_no) ?? 0)) + 1);
    const opened = await openTriggeredRunsIn(trx, { policy, calendar, now }, IMPERSONATION_EVENT, { by: actor.login, accountId, account: input.account ?? null, trigger: `impersonation:${caseNo}` });
    await trx.insertInto('impersonation_cases').values({
      case_no: caseNo, platform: checked.platform, url: checked.url, handle: checked.handle, account_id: accountId, note: checked.note,
      evidence: JSON.stringify(input.evidence), reported_by: actor.login, reported_at: now.toISOString(), run_id: opened.runs[0]?.id ?? null, closed_at: null,
    }).execute();
    const audit: AuditDraft[] = [{
      action: 'impersonation.report', actor: actor.login, subject: caseNo, outcome: 'ok',
      details: {
        platform: checked.platform, url: checked.url, handle: checked.handle, account: input.account ?? null, note: checked.note,
        evidence: input.evidence.map((e) => ({ name: e.name, sha256: e.sha256, size: e.size })), runs: opened.runs.map((r) => r.id),
      },
    }, ...opened.audit];
    return { result: { caseNo, runs: opened.runs }, audit };
  }, { by: actor });
  return { case: await showCase(vault, caseNo), runs };
}

type CaseRow = { case_no: string; platform: string; url: string | null; handle: string | null; account: string | null; note: string | null; evidence: string; reported_by: string; reported_at: string; run_id: string | null; closed_at: string | null };

function caseQuery(vault: Vault) {
  return vault.store.db.selectFrom('impersonation_cases').leftJoin('accounts', 'accounts.id', 'impersonation_cases.account_id')
    .select(['impersonation_cases.case_no', 'impersonation_cases.platform', 'impersonation_cases.url', 'impersonation_cases.handle', 'accounts.slug as account',
      'impersonation_cases.note', 'impersonation_cases.evidence', 'impersonation_cases.reported_by', 'impersonation_cases.reported_at', 'impersonation_cases.run_id', 'impersonation_cases.closed_at']);
}

function viewOf(row: CaseRow, run: RunView | undefined, today: ReturnType<typeof civilDateOf>): CaseView {
  const open = run ? run.status === 'open' : true;
  const steps = (run?.steps ?? []).map((s): CaseStepView => ({
    id: s.id, title: s.title, evidenceRequired: s.evidenceRequired, state: caseStepState(s.status, run!.deadline, open, today), due: run!.deadline,
    note: s.note, evidence: s.evidence, by: s.by, at: s.at,
  }));
  return {
    id: row.case_no, platform: row.platform, url: row.url, handle: row.handle, slug: row.account ?? null, note: row.note,
    evidence: JSON.parse(row.evidence) as RecordEvidence[], reportedBy: row.reported_by, reportedAt: row.reported_at,
    state: row.closed_at ? 'closed' : 'open', closedAt: row.closed_at,
    run: run ? { id: run.id, template: run.template, title: run.title, cite: run.cite, status: run.status, deadline: run.deadline, overdue: run.overdue, countersignRequired: run.countersignRequired, performer: run.performer, countersigner: run.countersigner } : null,
    steps, overdue: steps.filter((s) => s.state === 'overdue').map((s) => s.id),
  };
}

/** Every case, oldest first; `open`: only those whose run is not complete. */
export async function listCases(vault: Vault, filter: { open?: boolean } = {}): Promise<CaseView[]> {
  let q = caseQuery(vault);
  if (filter.open) q = q.where('impersonation_cases.closed_at', 'is', null);
  const rows = await q.orderBy('impersonation_cases.id').execute();
  if (rows.length === 0) return [];
  const runs = new Map((await listRuns(vault)).map((r) => [r.id, r]));
  const today = civilDateOf(vault.now());
  return rows.map((row) => viewOf(row, row.run_id ? runs.get(row.run_id) : undefined, today));
}

/** One case with its run's steps, their states and what is overdue. */
export async function showCase(vault: Vault, caseNo: string): Promise<CaseView> {
  const row = await caseQuery(vault).where('impersonation_cases.case_no', '=', caseNo).executeTakeFirst();
  if (!row) throw new GmvError('IMPERSONATION_CASE_NOT_FOUND', { case: caseNo });
  const run = row.run_id ? await showRun(vault, row.run_id) : undefined;
  return viewOf(row, run, civilDateOf(vault.now()));
}
