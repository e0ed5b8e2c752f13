/**
 * Steps: the pieces of a change that several use cases share. Each takes the caller's write
 * transaction and returns the audit entries it owes, so one use case (offboarding a person, say)
 * revokes many devices under one CRL, ends grants and bindings, retires keys and queues rotations
 * in one change with all its entries, or in none. A step never authorizes: its use case did.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { Actions, type AuditDraft } from '../audit/entry.js';
import { GmvError } from '../errors.js';
import { addDays, civilDateOf, DAY_MS } from '../domain/dates.js';
import { buildCrl, type CaMaterial, type RevokedEntry } from '../crypto/x509.js';
import { revokeWraps, type WrapKind } from '../store/wraps.js';
import { inBatches } from '../store/batches.js';
import type { Policy } from '../policy/policy.js';
import { ROTATED_FIELDS, type Field, type RotatedField } from '../domain/credential.js';
import { refFields, versionFields } from './credential-store.js';

/** What every step needs besides its own arguments: the transaction, the moment, who acts, the rules. */
export interface StepContext {
  trx: Kysely<DB>;
  at: Date;
  /** The login recorded as the actor of the entries. */
  actor: string;
  policy: Policy;
}

export interface StepResult<T> { result: T; audit: AuditDraft[] }

export const ROTATION_REASONS = ['scheduled', 'departure', 'compromise', 'manual', 'access-removed'] as const;
export type RotationReason = (typeof ROTATION_REASONS)[number];

/**
 * Put an account in the rotation queue (once per open reason); returns the due date, a civil date
 * in Asia/Shanghai counted from the day of `at` there.
 */
export async function queueRotation(trx: Kysely<DB>, accountId: number, reason: RotationReason, detail: string, at: Date, dueDays: number): Promise<string> {
  const open = await trx.selectFrom('rotation_queue').select('due_on').where('account_id', '=', accountId).where('reason', '=', reason).where('done_at', 'is', null).executeTakeFirst();
  if (open) return open.due_on;
  const due = addDays(civilDateOf(at), dueDays);
  await trx.insertInto('rotation_queue').values({ account_id: accountId, reason, detail, due_on: due, created_at: at.toISOString(), done_at: null }).execute();
  return due;
}

/** Why a grant ended: an officer removed it, its `--until` passed, or its holder left. */
export type GrantEnd = 'grant-removed' | 'grant-expired' | 'departure';

/**
 * End a person's grant on an account: the grant row closes, the wraps made for it are revoked
 * (kept, with the time), and, if the person was ever able to open a version, the account is
 * queued for rotation, since they may remember what they saw. Null when there was no live grant.
 */
export async function endGrant(ctx: StepContext, grant: { personId: number; login: string; accountId: number; slug: string }, why: GrantEnd):
  Promise<StepResult<{ rotationDue: string; wrapsRevoked: number }> | null> {
  const [ended] = await endGrants(ctx, { personId: grant.personId, login: grant.login }, [{ accountId: grant.accountId, slug: grant.slug }], why);
  return ended ?? null;
}

/**
 * endGrant for many accounts of one person (a departure), in a few statements per 500 accounts:
 * one result per account whose grant was live, in the order given.
 */
export async function endGrants(ctx: StepContext, person: { personId: number; login: string }, accounts: readonly { accountId: number; slug: string }[], why: GrantEnd):
  Promise<StepResult<{ rotationDue: string; wrapsRevoked: number }>[]> {
  const { trx, at } = ctx;
  const iso = at.toISOString();
  const reason: RotationReason = why === 'departure' ? 'departure' : 'access-removed';
  const detail = why === 'grant-expired' ? `grant of ${person.login} expired` : why === 'departure' ? `${person.login} left` : `grant of ${person.login} removed`;
  const action = why === 'grant-expired' ? 'grant.expire' : 'grant.remove';
  const due = addDays(civilDateOf(at), ctx.policy.rotation.eventDueDays);
  const out: StepResult<{ rotationDue: string; wrapsRevoked: number }>[] = [];
  for (const chunk of inBatches(accounts)) {
    const ids = chunk.map((a) => a.accountId);
    const live = new Set((await trx.selectFrom('grants').select('account_id').where('person_id', '=', person.personId).where('account_id', 'in', ids).where('removed_at', 'is', null).execute()).map((g) => Number(g.account_id)));
    if (live.size === 0) continue;
    const liveIds = [...live];
    await trx.updateTable('grants').set({ removed_at: iso, removed_by: ctx.actor }).where('person_id', '=', person.personId).where('account_id', 'in', liveIds).where('removed_at', 'is', null).execute();
    const saw = new Set((await trx.selectFrom('wraps').select('account_id').distinct().where('person_id', '=', person.personId).where('account_id', 'in', liveIds)
      .where('item_kind', 'in', ['credential', 'rotation']).execute()).map((w) => Number(w.account_id)));
    const toRevoke = new Map((await trx.selectFrom('wraps').select(['account_id', (eb) => eb.fn.countAll().as('n')]).where('person_id', '=', person.personId).where('account_id', 'in', liveIds)
      .where('item_kind', '=', 'credential').where('revoked_at', 'is', null).groupBy('account_id').execute()).map((w) => [Number(w.account_id), Number(w.n)]));
    if (toRevoke.size > 0) {
      await trx.updateTable('wraps').set({ revoked_at: iso, revoked_reason: why }).where('person_id', '=', person.personId).where('account_id', 'in', [...toRevoke.keys()])
        .where('item_kind', '=', 'credential').where('revoked_at', 'is', null).execute();
    }
    // Once per open reason: an account already queued for it keeps its due date.
    const queued = new Map((await trx.selectFrom('rotation_queue').select(['account_id', 'due_on']).where('account_id', 'in', liveIds).where('reason', '=', reason).where('done_at', 'is', null).execute())
      .map((q) => [Number(q.account_id), q.due_on]));
    const fresh = liveIds.filter((id) => saw.has(id) && !queued.has(id));
    if (fresh.length > 0) await trx.insertInto('rotation_queue').values(fresh.map((id) => ({ account_id: id, reason, detail, due_on: due, created_at: iso, done_at: null }))).execute();
    for (const id of fresh) queued.set(id, due);
    for (const a of chunk) {
      if (!live.has(a.accountId)) continue;
      const rotationDue = saw.has(a.accountId) ? queued.get(a.accountId)! : 'not needed';
      const wrapsRevoked = toRevoke.get(a.accountId) ?? 0;
      out.push({
        result: { rotationDue, wrapsRevoked },
        audit: [{ action, actor: ctx.actor, subject: a.slug, outcome: 'ok', details: { person: person.login, reason: why, rotation_due: rotationDue, wraps_revoked: wrapsRevoked } }],
      });
    }
  }
  return out;
}

/**
 * A grant narrowed from one that read every field (reveal, manage) to one that does not (otp): the
 * fields the person could open through their own wraps on those accounts and may no longer (the
 * password and recovery codes; the TOTP seed stays theirs) are queued for rotation as a removal
 * queues them, since they may remember what they saw. An open removal item that already rotates
 * those fields keeps its due date. Returns, for each account queued or already queued, the due
 * date and the fields lost.
 */
export async function queueNarrowedRotations(ctx: StepContext, person: { personId: number; login: string }, accountIds: readonly number[], kept: readonly Field[], detail: string):
  Promise<Map<number, { due: string; fields: RotatedField[] }>> {
  const { trx, at } = ctx;
  const iso = at.toISOString();
  const due = addDays(civilDateOf(at), ctx.policy.rotation.eventDueDays);
  const out = new Map<number, { due: string; fields: RotatedField[] }>();
  for (const ids of inBatches(accountIds)) {
    const wraps = await trx.selectFrom('wraps').select(['account_id', 'item_kind', 'item_ref', 'item_version']).where('person_id', '=', person.personId)
      .where('account_id', 'in', ids).where('item_kind', 'in', ['credential', 'rotation']).execute();
    // A wrap of a version sealed whole (before field keys) opened every field that version held.
    const fieldsOf = await versionFields(trx, ids);
    const held = new Map<number, Set<string>>();
    for (const w of wraps) {
      const id = Number(w.account_id);
      const fields = w.item_kind === 'rotation' ? ['password'] : refFields(w.item_ref) ?? fieldsOf.get(`${id}:${w.item_version}`) ?? [];
      const set = held.get(id) ?? new Set<string>();
      for (const f of fields) set.add(f);
      held.set(id, set);
    }
    const queued = new Map<number, { due: string; fields: string[] | null }[]>();
    for (const q of await trx.selectFrom('rotation_queue').select(['account_id', 'due_on', 'fields']).where('account_id', 'in', ids).where('reason', '=', 'access-removed').where('done_at', 'is', null).execute()) {
      const list = queued.get(Number(q.account_id)) ?? [];
      list.push({ due: q.due_on, fields: q.fields === null ? null : JSON.parse(q.fields) as string[] });
      queued.set(Number(q.account_id), list);
    }
    const fresh: { account_id: number; reason: string; detail: string; due_on: string; created_at: string; done_at: null; fields: string; person_id: number }[] = [];
    for (const id of ids) {
      const lost = ROTATED_FIELDS.filter((f) => held.get(id)?.has(f) && !kept.includes(f));
      if (lost.length === 0) continue;
      // An open item that already rotates these fields (or the whole credential) keeps its due date.
      const open = queued.get(id)?.find((q) => q.fields === null || lost.every((f) => q.fields!.includes(f)));
      out.set(id, { due: open?.due ?? due, fields: lost });
      if (!open) fresh.push({ account_id: id, reason: 'access-removed', detail, due_on: due, created_at: iso, done_at: null, fields: JSON.stringify(lost), person_id: person.personId });
    }
    if (fresh.length > 0) await trx.insertInto('rotation_queue').values(fresh).execute();
  }
  return out;
}

/**
 * Grants whose `--until` has passed but that were never ended: expiry is a removal, so each is
 * ended (wraps revoked, rotation queued) by the next change that sweeps them.
 */
export async function endExpiredGrants(ctx: StepContext): Promise<StepResult<number>> {
  const expired = await ctx.trx.selectFrom('grants').innerJoin('people', 'people.id', 'grants.person_id').innerJoin('accounts', 'accounts.id', 'grants.account_id')
    .select(['grants.person_id', 'people.login', 'grants.account_id', 'accounts.slug'])
    .where('grants.removed_at', 'is', null).where('grants.until', 'is not', null).where('grants.until', '<=', ctx.at.toISOString())
    .orderBy('grants.id').execute();
  const audit: AuditDraft[] = [];
  for (const g of expired) {
    const step = await endGrant(ctx, { personId: Number(g.person_id), login: g.login, accountId: Number(g.account_id), slug: g.slug }, 'grant-expired');
    if (step) audit.push(...step.audit);
  }
  return { result: expired.length, audit };
}

/**
 * Revoke a terminal: it can no longer unlock (its key locks are deleted) or sign, and pending key
 * transfers to it are dropped. The CRL that lists it is issued once, by `issueCrl`, after all the
 * devices of the change are revoked.
 */
export async function revokeDeviceStep(ctx: StepContext, deviceId: string, reason: string): Promise<StepResult<void>> {
  const { trx, at } = ctx;
  const device = await trx.selectFrom('devices').select(['id', 'status']).where('id', '=', deviceId).executeTakeFirst();
  if (!device) throw new GmvError('DEVICE_NOT_FOUND', { device: deviceId });
  if (device.status === 'revoked') throw new GmvError('INVALID_INPUT', { what: 'what.device', detail: 'detail.deviceRevoked', device: deviceId });
  await trx.updateTable('devices').set({ status: 'revoked', revoked_at: at.toISOString(), revoke_reason: reason, enroll_code_hash: null }).where('id', '=', deviceId).execute();
  await trx.deleteFrom('person_key_locks').where('device_id', '=', deviceId).execute();
  await trx.deleteFrom('key_transfers').where('device_id', '=', deviceId).execute();
  return { result: undefined, audit: [{ action: 'device.revoke', actor: ctx.actor, subject: deviceId, outcome: 'ok', details: { reason } }] };
}

/** Issue the next CRL, listing every revoked device certificate; returns its number. */
export async function issueCrl(ctx: StepContext, ca: CaMaterial): Promise<number> {
  const { trx, at } = ctx;
  const revoked = await trx.selectFrom('devices').select(['cert_serial', 'revoked_at']).where('status', '=', 'revoked').where('cert_serial', 'is not', null).execute();
  const last = await trx.selectFrom('crls').select('crl_number').orderBy('crl_number', 'desc').executeTakeFirst();
  const crlNumber = Number(last?.crl_number ?? 0) + 1;
  const entries: RevokedEntry[] = revoked.map((r) => ({ serialHex: r.cert_serial!, revokedAt: new Date(r.revoked_at ?? at.toISOString()), reason: 'cessationOfOperation' }));
  const nextUpdate = new Date(at.getTime() + ctx.policy.devices.crlDays * DAY_MS);
  const pem = buildCrl({ ca, revoked: entries, crlNumber, thisUpdate: at, nextUpdate });
  await trx.insertInto('crls').values({ crl_number: crlNumber, pem, this_update: at.toISOString(), next_update: nextUpdate.toISOString() }).execute();
  return crlNumber;
}

/** End a platform-side binding (the person must also be unbound on the platform itself). */
export async function endBinding(ctx: StepContext, binding: { id: number; slug: string; role: string; person: string | null; external: string | null }): Promise<StepResult<void>> {
  const ended = await ctx.trx.updateTable('bindings').set({ removed_at: ctx.at.toISOString(), removed_by: ctx.actor })
    .where('id', '=', binding.id).where('removed_at', 'is', null).executeTakeFirst();
  if (Number(ended.numUpdatedRows) === 0) throw new GmvError('INVALID_INPUT', { what: 'what.binding', detail: 'detail.bindingNotActive', id: binding.id });
  return { result: undefined, audit: [{ action: 'binding.remove', actor: ctx.actor, subject: binding.slug, outcome: 'ok', details: { id: binding.id, role: binding.role, person: binding.person, external: binding.external } }] };
}

/**
 * Retire every personal key of a person that is not retired yet: no terminal can unlock them any
 * more (their locks and transfers are deleted) and the wraps of the kinds in `revoke` are revoked,
 * kept with the time so the exposure record still says what they could have opened until then.
 * Returns the fingerprints.
 */
export async function retireKeys(ctx: StepContext, person: { personId: number; login: string }, reason: string,
  revoke: WrapKind[] = ['credential', 'rotation', 'org-key', 'device-ca', 'mfa-seed']): Promise<StepResult<string[]>> {
  const { trx } = ctx;
  const at = ctx.at.toISOString();
  const keys = (await trx.selectFrom('person_keys').select('fingerprint').where('person_id', '=', person.personId).where('status', '!=', 'retired').execute()).map((k) => k.fingerprint);
  if (keys.length === 0) return { result: [], audit: [] };
  await trx.updateTable('person_keys').set({ status: 'retired', retired_at: at }).where('person_id', '=', person.personId).where('status', '!=', 'retired').execute();
  await trx.deleteFrom('person_key_locks').where('person_id', '=', person.personId).where('key_fingerprint', 'in', keys).execute();
  await trx.deleteFrom('key_transfers').where('person_id', '=', person.personId).where('key_fingerprint', 'in', keys).execute();
  const wrapsRevoked = revoke.length > 0 ? await revokeWraps(trx, { personId: person.personId, kinds: revoke }, at, reason) : 0;
  return { result: keys, audit: [{ action: Actions.personKeyRetire, actor: ctx.actor, subject: person.login, outcome: 'ok', details: { keys, reason, wraps_revoked: wrapsRevoked } }] };
}
