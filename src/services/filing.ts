/**
 * The filing register's deadlines (Arts. 12–14, 35), counted in working days on the vault's
 * calendar: a new account is filed within 20 working days of its registration; an idle account is
 * closed only after a public announcement of at least 15 working days. A deadline outside known
 * calendar data is flagged on its row, never guessed.
 */
import { GmvError } from '../errors.js';
import { statusKey } from '../i18n/catalogue.js';
import { civilDateOf, type CivilDate } from '../domain/dates.js';
import { addWorkdays } from '../domain/workdays.js';
import { workCalendar } from './calendar.js';
import { accountRunsIn, findAccount, runContext } from './accounts.js';
import { authorize, type Actor } from './access.js';
import { activePolicy, commitChange, type Vault } from './vault.js';

export interface ClosureResult {
  /** The checklist runs this step opened (account-closure at the announcement, filing-change at the closure). */
  runs: { id: string; template: string; deadline: string | null }[];
  slug: string;
  announcedOn: CivilDate;
  /** The first day the account may be closed: the announcement plus the policy's working days. */
  notBefore: CivilDate;
  workingDays: number;
  /** Set when the account was closed (archived) by this command. */
  closed: boolean;
}

/**
 * `gmv account close SLUG --announce DATE` records the announcement and the earliest closing day;
 * `gmv account close SLUG` on or after that day closes (archives) the account. Before it, refused.
 */
export async function closeAccount(vault: Vault, actor: Actor, slug: string, announce: CivilDate | undefined): Promise<ClosureResult> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, 'account.manage', slug);
  if (account.status !== 'active') throw new GmvError('DENIED_ACCOUNT_STATUS', { account: slug, status: statusKey('account', account.status), login: actor.login });
  const policy = await activePolicy(vault.store.db);
  const workingDays = policy.filing.closureNoticeWorkingDays;
  const today = civilDateOf(vault.now());
  if (announce) {
    const notBefore = addWorkdays(await workCalendar(vault), announce, workingDays);
    const context = await runContext(vault);
    return commitChange(vault, async (trx) => {
      await trx.updateTable('accounts').set({ closure_announced_on: announce, closure_not_before: notBefore }).where('id', '=', account.id).execute();
      // Arts. 13-14: the closure's own checklist (decision, announcement, closing on the platform).
      const opened = await accountRunsIn(trx, context, vault.now(), 'account-closure', actor.login, account);
      return {
        result: { slug, announcedOn: announce, notBefore, workingDays, closed: false, runs: opened.runs },
        audit: [{ action: 'account.close-announce', actor: actor.login, subject: slug, outcome: 'ok', details: { announced_on: announce, not_before: notBefore, working_days: workingDays } }, ...opened.audit],
      };
    }, { by: actor });
  }
  const row = await vault.store.db.selectFrom('accounts').select(['closure_announced_on', 'closure_not_before']).where('id', '=', account.id).executeTakeFirstOrThrow();
  if (!row.closure_announced_on || !row.closure_not_before) throw new GmvError('CLOSURE_NOT_ANNOUNCED', { account: slug, days: workingDays });
  const notBefore = row.closure_not_before as CivilDate;
  if (today < notBefore) throw new GmvError('CLOSURE_TOO_EARLY', { account: slug, announced: row.closure_announced_on, notBefore, days: workingDays });
  const context = await runContext(vault);
  return commitChange(vault, async (trx) => {
    await trx.updateTable('accounts').set({ status: 'archived', archived_at: vault.now().toISOString() }).where('id', '=', account.id).execute();
    // Art. 12: the closure is filed within the pack's working days.
    const opened = await accountRunsIn(trx, context, vault.now(), 'filing-change', actor.login, account);
    return {
      result: { slug, announcedOn: row.closure_announced_on as CivilDate, notBefore, workingDays, closed: true, runs: opened.runs },
      audit: [{ action: 'account.archive', actor: actor.login, subject: slug, outcome: 'ok', details: { closed: true, announced_on: row.closure_announced_on, not_before: notBefore } }, ...opened.audit],
    };
  }, { by: actor });
}

/** Refuse archiving an account whose announced closure date has not come (gmv account archive). */
export async function checkArchiveAllowed(vault: Vault, accountId: number, slug: string): Promise<void> {
  const row = await vault.store.db.selectFrom('accounts').select(['closure_announced_on', 'closure_not_before']).where('id', '=', accountId).executeTakeFirst();
  if (!row?.closure_not_before) return;
  if (civilDateOf(vault.now()) < row.closure_not_before) {
    const policy = await activePolicy(vault.store.db);
    throw new GmvError('CLOSURE_TOO_EARLY', { account: slug, announced: row.closure_announced_on ?? '-', notBefore: row.closure_not_before, days: policy.filing.closureNoticeWorkingDays });
  }
}

export interface FilingItem {
  slug: string;
  name: string;
  unit: string;
  /** register: not yet filed; closure: an announced closure. */
  kind: 'register' | 'closure';
  /** The civil day it counts from (registration or announcement). */
  since: CivilDate;
  /** The deadline (register) or the first closing day (closure); null when the calendar does not know it. */
  due: CivilDate | null;
  /** due / overdue for a filing; waiting / ready for a closure; unknown when the calendar lacks the days. */
  state: 'due' | 'overdue' | 'waiting' | 'ready' | 'unknown';
  /** When state is unknown: the first day no calendar covers. */
  unknownDay?: string;
}

/** What the filing register owes: unfiled accounts with their deadlines, and announced closures. */
export async function filingDue(vault: Vault): Promise<{ today: CivilDate; items: FilingItem[] }> {
  const policy = await activePolicy(vault.store.db);
  const calendar = await workCalendar(vault);
  const today = civilDateOf(vault.now());
  const rows = await vault.store.db.selectFrom('accounts').innerJoin('units', 'units.id', 'accounts.unit_id')
    .select(['accounts.slug', 'accounts.name', 'accounts.created_at', 'accounts.filed_on', 'accounts.closure_announced_on', 'accounts.closure_not_before', 'units.name as unit'])
    .where('accounts.status', '=', 'active').orderBy('accounts.slug').execute();
  const items: FilingItem[] = [];
  for (const r of rows) {
    const base = { slug: r.slug, name: r.name, unit: r.unit };
    if (!r.filed_on) {
      const since = civilDateOf(new Date(r.created_at));
      try {
        const due = addWorkdays(calendar, since, policy.filing.registerWorkingDays);
        items.push({ ...base, kind: 'register', since, due, state: today > due ? 'overdue' : 'due' });
      } catch (error) {
        if (!(error instanceof GmvError) || error.code !== 'CALENDAR_UNKNOWN') throw error;
        items.push({ ...base, kind: 'register', since, due: null, state: 'unknown', unknownDay: String(error.params.date ?? '') });
      }
    }
    if (r.closure_announced_on && r.closure_not_before) {
      items.push({ ...base, kind: 'closure', since: r.closure_announced_on as CivilDate, due: r.closure_not_before as CivilDate, state: today >= r.closure_not_before ? 'ready' : 'waiting' });
    }
  }
  return { today, items };
}
