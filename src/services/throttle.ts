/** Login throttling: exponential back-off after each failure, lock-out after the policy's limit. */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { Policy } from '../policy/policy.js';

const MAX_BACKOFF_S = 900;

export type ThrottleState = { state: 'open' } | { state: 'wait'; seconds: number } | { state: 'locked'; failures: number };

export async function throttleState(db: Kysely<DB>, personId: number, policy: Policy, now: Date): Promise<ThrottleState> {
  const row = await db.selectFrom('login_throttle').selectAll().where('person_id', '=', personId).executeTakeFirst();
  if (!row || Number(row.failures) === 0) return { state: 'open' };
  if (row.locked_at) return { state: 'locked', failures: Number(row.failures) };
  const wait = backoffSeconds(Number(row.failures), policy);
  const readyAt = new Date(row.last_failure_at ?? 0).getTime() + wait * 1000;
  const seconds = Math.ceil((readyAt - now.getTime()) / 1000);
  return seconds > 0 ? { state: 'wait', seconds } : { state: 'open' };
}

export function backoffSeconds(failures: number, policy: Policy): number {
  if (policy.login.backoffSeconds === 0) return 0;
  return Math.min(MAX_BACKOFF_S, policy.login.backoffSeconds * 2 ** Math.max(0, failures - 1));
}

/** Count a failure in the caller's transaction; true when it locks the person. */
export async function recordFailure(trx: Kysely<DB>, personId: number, policy: Policy, now: Date): Promise<{ failures: number; locked: boolean }> {
  const row = await trx.selectFrom('login_throttle').selectAll().where('person_id', '=', personId).executeTakeFirst();
  const failures = Number(row?.failures ?? 0) + 1;
  const locked = failures >= policy.login.maxFailures;
  const values = { failures, last_failure_at: now.toISOString(), locked_at: locked ? (row?.locked_at ?? now.toISOString()) : null };
  if (row) await trx.updateTable('login_throttle').set(values).where('person_id', '=', personId).execute();
  else await trx.insertInto('login_throttle').values({ person_id: personId, ...values }).execute();
  return { failures, locked };
}

export async function clearFailures(trx: Kysely<DB>, personId: number): Promise<void> {
  await trx.deleteFrom('login_throttle').where('person_id', '=', personId).execute();
}
