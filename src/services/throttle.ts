/**
 * Login throttling: exponential back-off after each failure, lock-out after the policy's limit.
 * An attempt is counted when it starts, under the write lock and before the key derivation runs, so
 * parallel attempts cannot each test a passphrase: success takes the count back, a failure keeps it.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { Policy } from '../policy/policy.js';

export type ThrottleState = { state: 'open' } | { state: 'wait'; seconds: number } | { state: 'locked'; failures: number };

export async function throttleState(db: Kysely<DB>, personId: number, policy: Policy, now: Date): Promise<ThrottleState> {
  const row = await db.selectFrom('login_throttle').selectAll().where('person_id', '=', personId).executeTakeFirst();
  if (!row || Number(row.failures) === 0) return { state: 'open' };
  if (row.locked_at || Number(row.failures) >= policy.login.maxFailures) return { state: 'locked', failures: Number(row.failures) };
  const wait = backoffSeconds(Number(row.failures), policy);
  const readyAt = new Date(row.last_failure_at ?? 0).getTime() + wait * 1000;
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
 * gets past the check while it is still running.
 */
export async function reserveAttempt(trx: Kysely<DB>, personId: number, policy: Policy, now: Date): Promise<Reservation> {
  const row = await trx.selectFrom('login_throttle').selectAll().where('person_id', '=', personId).executeTakeFirst();
  const failures = Number(row?.failures ?? 0) + 1;
  const locksOut = failures >= policy.login.maxFailures;
  const at = now.toISOString();
  // The back-off runs from the last *failure* (settleFailure): an attempt still in flight counts
  // toward the lock-out but does not make a colleague's parallel, honest login wait.
  const values = { failures, last_failure_at: row?.last_failure_at ?? null, locked_at: locksOut ? (row?.locked_at ?? at) : (row?.locked_at ?? null) };
  if (row) await trx.updateTable('login_throttle').set(values).where('person_id', '=', personId).execute();
  else await trx.insertInto('login_throttle').values({ person_id: personId, ...values }).execute();
  return { personId, at, locksOut, previousFailureAt: row?.last_failure_at ?? null };
}

/**
 * The reserved attempt failed: it stays counted, and the back-off runs from now. Returns whether
 * the person is locked, and whether this attempt is the one that locked them (it reports it).
 */
export async function settleFailure(trx: Kysely<DB>, reservation: Reservation, policy: Policy, now: Date): Promise<{ locked: boolean; lockedByThis: boolean }> {
  const row = await trx.selectFrom('login_throttle').selectAll().where('person_id', '=', reservation.personId).executeTakeFirst();
  if (!row) {
    // A success or an officer's unlock cleared the count meanwhile: this failure starts a new one.
    const locked = policy.login.maxFailures <= 1;
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
