/**
 * Login throttling: exponential back-off after each failure, lock-out after the policy's limit.
 * An attempt is counted when it starts, under the write lock and before the key derivation runs, so
 * parallel attempts cannot each test a passphrase: success takes the count back, a failure keeps it.
 *
 * The count a decision rests on is the log's: every failed guess is an audit entry marked
 * `throttle: counted`, a lock-out is `auth.locked`, and only a signed reset (a login that succeeded,
 * an officer's unlock, a recovery) starts the count again. The `login_throttle` row only holds the
 * attempts still in flight; deleting it gives no guess back.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { Policy } from '../policy/policy.js';
import { leafHash } from '../audit/merkle.js';
import { GmvError } from '../errors.js';
import { inBatches } from '../store/batches.js';

export type ThrottleState = { state: 'open' } | { state: 'wait'; seconds: number } | { state: 'locked'; failures: number };

/** The detail that marks a failure entry as a counted guess. */
export const COUNTED = { throttle: 'counted' } as const;
/** Entries that start the count again, when they are under a valid signed checkpoint. */
const RESETS: ReadonlySet<string> = new Set(['auth.reset', 'person.unlock', 'recovery.use']);
const PAGE = 64;

/** What the log says about a person's failed logins since the last signed reset. */
export interface LoggedFailures { failures: number; lastFailureAt: string | null; locked: boolean }

type FailureRow = { seq: number | string | bigint; at: string; action: string; outcome: string; body: string | null; leaf_hash: string };

const FAILURE_COLUMNS = ['seq', 'at', 'action', 'outcome', 'body', 'leaf_hash'] as const;

/** The entries a count reads: lock-outs, resets and counted failures (by subject, newest first). */
function failureEntries(trx: Kysely<DB>) {
  return trx.selectFrom('audit_entries')
    .where((eb) => eb.or([eb('action', 'in', ['auth.locked', ...RESETS]), eb('body', 'like', '%"throttle":"counted"%')]));
}

/**
 * Read back, newest first, the counted failures, lock-outs and resets whose subject is `login`.
 * A reset counts only below `signedSize` (the newest valid checkpoint): one planted in the unsigned
 * tail has no standing. An entry that no longer hashes to its leaf is an integrity failure.
 */
export async function loggedFailures(trx: Kysely<DB>, login: string, policy: Policy, signedSize: number): Promise<LoggedFailures> {
  const result: LoggedFailures = { failures: 0, lastFailureAt: null, locked: false };
  let before: number | null = null;
  for (;;) {
    let q = failureEntries(trx).select(FAILURE_COLUMNS).where('subject', '=', login);
    if (before !== null) q = q.where('seq', '<', before);
    const rows = await q.orderBy('seq', 'desc').limit(PAGE).execute();
    if (foldFailures(result, rows, login, policy, signedSize) || rows.length < PAGE) return result;
    before = Number(rows[rows.length - 1]!.seq);
  }
}

/**
 * `loggedFailures` of many people at once, for a listing: one statement per 500 logins instead of
 * one or more per person. Each person's entries are read whole (failures are few), then counted
 * exactly as `loggedFailures` counts them.
 */
export async function loggedFailuresOf(trx: Kysely<DB>, logins: readonly string[], policy: Policy, signedSize: number): Promise<Map<string, LoggedFailures>> {
  const out = new Map<string, LoggedFailures>();
  for (const chunk of inBatches([...new Set(logins)])) {
    const rows = await failureEntries(trx).select([...FAILURE_COLUMNS, 'subject']).where('subject', 'in', chunk).orderBy('subject').orderBy('seq', 'desc').execute();
    const bySubject = new Map<string, FailureRow[]>();
    for (const row of rows) {
      const list = bySubject.get(String(row.subject));
      if (list) list.push(row);
      else bySubject.set(String(row.subject), [row]);
    }
    for (const login of chunk) {
      const result: LoggedFailures = { failures: 0, lastFailureAt: null, locked: false };
      foldFailures(result, bySubject.get(login) ?? [], login, policy, signedSize);
      out.set(login, result);
    }
  }
  return out;
}

/** Count `rows` (newest first) into `result`; true once the count is settled (a reset, a pruned entry, a lock-out). */
function foldFailures(result: LoggedFailures, rows: readonly FailureRow[], login: string, policy: Policy, signedSize: number): boolean {
  for (const row of rows) {
    const seq = Number(row.seq);
    if (row.body === null) return true; // pruned: older than any count that still matters
    if (leafHash(Buffer.from(row.body, 'utf8')).toString('hex') !== row.leaf_hash) {
      throw new GmvError('STATE_MISMATCH', { table: 'audit_entries', row: `#${seq}`, detail: 'detail.leafThrottle', count: 1 });
    }
    const body = JSON.parse(row.body) as { action?: string; subject?: string; outcome?: string; at?: string; details?: Record<string, unknown> };
    if (body.action !== row.action || body.subject !== login || body.outcome !== row.outcome) continue;
    if (RESETS.has(row.action)) {
      if (row.outcome === 'ok' && seq < signedSize) return true;
      continue;
    }
    if (row.action === 'auth.locked') result.locked = true;
    else if (body.details?.throttle === COUNTED.throttle) {
      result.failures += 1;
      result.lastFailureAt ??= row.at;
    }
    if (result.locked || result.failures >= policy.login.maxFailures) {
      result.locked = true;
      return true;
    }
  }
  return false;
}

export async function throttleState(db: Kysely<DB>, personId: number, policy: Policy, now: Date, logged: LoggedFailures): Promise<ThrottleState> {
  const row = await db.selectFrom('login_throttle').selectAll().where('person_id', '=', personId).executeTakeFirst();
  const failures = Math.max(Number(row?.failures ?? 0), logged.failures);
  if (row?.locked_at || logged.locked || (failures > 0 && failures >= policy.login.maxFailures)) return { state: 'locked', failures };
  if (failures === 0) return { state: 'open' };
  const wait = backoffSeconds(failures, policy);
  const last = [row?.last_failure_at, logged.lastFailureAt].map((t) => (t ? Date.parse(t) : 0));
  const readyAt = Math.max(...last) + wait * 1000;
  const seconds = Math.ceil((readyAt - now.getTime()) / 1000);
  return seconds > 0 ? { state: 'wait', seconds } : { state: 'open' };
}

export function backoffSeconds(failures: number, policy: Policy): number {
  if (policy.login.backoffSeconds === 0) return 0;
  return Math.min(policy.login.maxBackoffSeconds, policy.login.backoffSeconds * 2 ** Math.max(0, failures - 1));
}

/** One attempt counted in advance; `locksOut` when it is the last one the policy allows. */
export interface Reservation {
  personId: number;
  at: string;
  locksOut: boolean;
  previousFailureAt: string | null;
}

/**
 * Count an attempt as a failure in the caller's write transaction, after `throttleState` said
 * open in that same transaction. The attempt that reaches the limit locks at once, so no later one
 * gets past the check while it is still running. A row that is missing or behind the log starts
 * from the log's count.
 */
export async function reserveAttempt(trx: Kysely<DB>, personId: number, policy: Policy, now: Date, logged: LoggedFailures): Promise<Reservation> {
  const row = await trx.selectFrom('login_throttle').selectAll().where('person_id', '=', personId).executeTakeFirst();
  const failures = Math.max(Number(row?.failures ?? 0), logged.failures) + 1;
  const locksOut = failures >= policy.login.maxFailures;
  const at = now.toISOString();
  const lastFailureAt = row?.last_failure_at ?? logged.lastFailureAt;
  // The back-off runs from the last *failure* (settleFailure): an attempt still in flight counts
  // toward the lock-out but does not make a colleague's parallel, honest login wait.
  const values = { failures, last_failure_at: lastFailureAt, locked_at: locksOut ? (row?.locked_at ?? at) : (row?.locked_at ?? null) };
  if (row) await trx.updateTable('login_throttle').set(values).where('person_id', '=', personId).execute();
  else await trx.insertInto('login_throttle').values({ person_id: personId, ...values }).execute();
  return { personId, at, locksOut, previousFailureAt: lastFailureAt };
}

/**
 * The reserved attempt failed: it stays counted, and the back-off runs from now. Returns whether
 * the person is locked, and whether this attempt is the one that locked them (it reports it).
 */
export async function settleFailure(trx: Kysely<DB>, reservation: Reservation, policy: Policy, now: Date): Promise<{ locked: boolean; lockedByThis: boolean }> {
  const row = await trx.selectFrom('login_throttle').selectAll().where('person_id', '=', reservation.personId).executeTakeFirst();
  if (!row) {
    // A success or an officer's unlock cleared the count meanwhile (or the row was deleted: the
    // log still holds the count, and the next attempt starts from it).
    const locked = reservation.locksOut || policy.login.maxFailures <= 1;
    const at = now.toISOString();
    await trx.insertInto('login_throttle').values({ person_id: reservation.personId, failures: 1, last_failure_at: at, locked_at: locked ? at : null }).execute();
    return { locked, lockedByThis: locked };
  }
  await trx.updateTable('login_throttle').set({ last_failure_at: now.toISOString() }).where('person_id', '=', reservation.personId).execute();
  const locked = row.locked_at !== null;
  return { locked, lockedByThis: locked && reservation.locksOut };
}

/** The reserved attempt never tested a passphrase (terminal refused, no key here): uncount it. */
export async function releaseAttempt(trx: Kysely<DB>, reservation: Reservation): Promise<void> {
  const row = await trx.selectFrom('login_throttle').selectAll().where('person_id', '=', reservation.personId).executeTakeFirst();
  if (!row) return;
  const failures = Number(row.failures) - 1;
  if (failures <= 0) {
    await clearFailures(trx, reservation.personId);
    return;
  }
  await trx.updateTable('login_throttle').set({
    failures,
    last_failure_at: row.last_failure_at === reservation.at ? reservation.previousFailureAt : row.last_failure_at,
    locked_at: reservation.locksOut ? null : row.locked_at,
  }).where('person_id', '=', reservation.personId).execute();
}

export async function clearFailures(trx: Kysely<DB>, personId: number): Promise<void> {
  await trx.deleteFrom('login_throttle').where('person_id', '=', personId).execute();
}
