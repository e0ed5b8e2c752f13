/**
 * Guided rotation (no platform has a password API): gmv generates a password meeting the
 * platform's rules and shows it once, the admin changes it on the platform, then confirms; the
 * confirmed password becomes a new version wrapped for the current grantees only.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import { addDays, civilDateOf, formatChinaTime } from '../domain/dates.js';
import type { Secret } from '../crypto/secret.js';
import { EnvelopeError, open, parseEnvelope, seal } from '../crypto/envelope.js';
import { liveWrap, revokeWraps, type WrapItem } from '../store/wraps.js';
import { wrapForPeople } from './keys.js';
import { generatePassword } from '../domain/password-gen.js';
import { parseTotpInput } from '../domain/otpauth.js';
import { parseRecoveryCodes } from '../domain/credential.js';
import { authorize, sealContext } from './access.js';
import { certifiedKeyOf } from './state-seals.js';
import { findAccount } from './accounts.js';
import { carryRecoveryCodeUses, readVersion, writeVersion } from './credential-store.js';
import { isRecentPassword, keyedPasswordHash, newHistoryKey } from './password-history.js';
import type { SessionActor } from './session.js';
import { activePolicy, commitChange, type Vault } from './vault.js';
import { endExpiredGrants, type RotationReason } from './steps.js';

export { queueRotation, ROTATION_REASONS, type RotationReason } from './steps.js';

/** The wrap of a rotation's new password: one per started rotation, for its starter only. */
function rotationItem(accountId: number, startedAt: string): WrapItem {
  return { kind: 'rotation', accountId, ref: startedAt, version: 0 };
}

/** Open a pending rotation's envelope, checking it belongs to this account (a swapped row is an integrity failure). */
function openRotation(dataKey: Buffer, envelopeText: string, slug: string, accountId: number): string {
  try {
    const envelope = parseEnvelope(envelopeText);
    const h = envelope.header as Record<string, unknown>;
    if (h.purpose !== 'rotation' || (h.account_id !== undefined ? h.account_id !== accountId : h.account !== slug)) throw new EnvelopeError();
    return open(dataKey, envelope).toString('utf8');
  } catch (err) {
    if (err instanceof EnvelopeError || err instanceof SyntaxError) throw new GmvError('CREDENTIAL_TAMPERED', { account: slug, version: 'rotation' }, { cause: err });
    throw err;
  }
}

/**
 * A new version changed `rotated` fields of an account: queue items that name their fields (a
 * departure's password, TOTP seed, recovery codes) keep what is still to rotate and close when
 * nothing is left; items about the credential as a whole close with a new password.
 */
export async function markRotationsDone(trx: Kysely<DB>, accountId: number, at: Date, rotated: readonly string[] = ['password']): Promise<void> {
  const open = await trx.selectFrom('rotation_queue').select(['id', 'fields']).where('account_id', '=', accountId).where('done_at', 'is', null).execute();
  for (const item of open) {
    const fields = item.fields === null ? null : JSON.parse(item.fields) as string[];
    const left = fields === null ? (rotated.includes('password') ? [] : null) : fields.filter((f) => !rotated.includes(f));
    if (left === null || (fields !== null && left.length === fields.length)) continue;
    await trx.updateTable('rotation_queue').set(left.length === 0 ? { done_at: at.toISOString() } : { fields: JSON.stringify(left) }).where('id', '=', item.id).execute();
  }
}

export async function startRotation(vault: Vault, actor: SessionActor, slug: string, reason: RotationReason): Promise<{ slug: string; password: string; reason: RotationReason }> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, { kind: 'credential', action: 'rotate.start', account, need: 'manage' });
  const db = vault.store.db;
  const pending = await db.selectFrom('rotations').select(['started_by', 'started_at']).where('account_id', '=', account.id).executeTakeFirst();
  if (pending) throw new GmvError('ROTATION_PENDING', { account: slug, by: pending.started_by, at: formatChinaTime(new Date(pending.started_at)) });
  const password = generatePassword((await activePolicy(db)).platforms[account.platform], (n) => randomBytes(n));
  const { publicKey } = await certifiedKeyOf(db, sealContext(vault), actor.keyFingerprint);
  const dataKey = randomBytes(32);
  const startedAt = vault.now().toISOString();
  const envelope = seal(dataKey, Buffer.from(password, 'utf8'), { purpose: 'rotation', account: slug, account_id: account.id, started_at: startedAt });
  await commitChange(vault, async (trx) => {
    await trx.insertInto('rotations').values({ account_id: account.id, reason, started_by: actor.login, started_by_person: actor.personId, started_at: startedAt, envelope: JSON.stringify(envelope) }).execute();
    await wrapForPeople(trx, rotationItem(account.id, startedAt), dataKey, [{ personId: actor.personId, fingerprint: actor.keyFingerprint, publicKey }], startedAt);
    dataKey.fill(0);
    return { result: undefined, audit: [{ action: 'rotate.start', actor: actor.login, subject: slug, outcome: 'ok', details: { reason, device: actor.deviceId } }] };
  }, { by: actor });
  return { slug, password, reason };
}

export interface ConfirmExtras {
  totp?: Secret;
  recovery?: Secret;
}

export async function confirmRotation(vault: Vault, actor: SessionActor, slug: string, extras: ConfirmExtras = {}): Promise<{ slug: string; version: number; reason: string }> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, { kind: 'credential', action: 'rotate.confirm', account, need: 'manage' });
  const db = vault.store.db;
  const pending = await db.selectFrom('rotations').selectAll().where('account_id', '=', account.id).executeTakeFirst();
  if (!pending) throw new GmvError('ROTATION_NONE', { account: slug });
  if (Number(pending.started_by_person) !== actor.personId) {
    throw new GmvError('ROTATION_NOT_YOURS', { account: slug, by: pending.started_by });
  }
  const wrap = await liveWrap(db, rotationItem(account.id, pending.started_at), actor.keyFingerprint);
  if (!wrap) throw new GmvError('NO_WRAP', { login: actor.login, account: slug, version: 'rotation' });
  const dataKey = await actor.decrypt(Buffer.from(wrap.wrapped, 'base64'));
  const password = openRotation(dataKey, pending.envelope, slug, account.id);
  dataKey.fill(0);
  const policy = await activePolicy(db);
  const totp = extras.totp ? parseTotpInput(extras.totp.revealString().trim()) : undefined;
  const recovery = extras.recovery ? parseRecoveryCodes(extras.recovery.revealString()) : undefined;
  const version = await commitChange(vault, async (trx) => {
    // Only the rotation read above is confirmed: a concurrent abort and restart is not swallowed.
    const deleted = await trx.deleteFrom('rotations').where('account_id', '=', account.id)
      .where('started_by_person', '=', pending.started_by_person).where('started_at', '=', pending.started_at).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) throw new GmvError('ROTATION_NONE', { account: slug });
    // An expired grant is a removal: end it before the new version, so the rotation that answers it closes it.
    const swept = await endExpiredGrants({ trx, at: vault.now(), actor: actor.login, policy });
    const current = await readVersion(trx, actor, account);
    const historyKey = current?.historyKey ?? newHistoryKey();
    let v: number;
    try {
      // Compared inside the transaction, under the history key of the version being replaced.
      if (await isRecentPassword(trx, account, password, policy.credentials.history, historyKey)) throw new GmvError('PASSWORD_REUSED', { history: policy.credentials.history, account: slug });
      const content = { ...(current?.content ?? {}), password, ...(totp ? { totp } : {}), ...(recovery ? { recovery } : {}) };
      v = await writeVersion(trx, account, content, { reason: `rotation: ${pending.reason}`, by: actor.login, at: vault.now(), passwordHash: keyedPasswordHash(historyKey, account.id, password), historyKey });
      if (current && !recovery) await carryRecoveryCodeUses(trx, account.id, current.version, v);
    } finally {
      historyKey.fill(0);
    }
    await markRotationsDone(trx, account.id, vault.now(), ['password', ...(totp ? ['totp'] : []), ...(recovery ? ['recovery'] : [])]);
    await revokeWraps(trx, { personId: actor.personId, kinds: ['rotation'], accountId: account.id, ref: pending.started_at }, vault.now().toISOString(), 'rotation-confirmed');
    return { result: v, audit: [...swept.audit, { action: 'rotate.confirm', actor: actor.login, subject: slug, outcome: 'ok', details: { reason: pending.reason, version: v, new_totp: Boolean(extras.totp), new_recovery: Boolean(extras.recovery), device: actor.deviceId } }] };
  }, { by: actor });
  return { slug, version, reason: pending.reason };
}

export async function abortRotation(vault: Vault, actor: SessionActor, slug: string): Promise<{ slug: string }> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, { kind: 'credential', action: 'rotate.abort', account, need: 'manage' });
  return commitChange(vault, async (trx) => {
    const pending = await trx.selectFrom('rotations').select(['started_at', 'started_by_person']).where('account_id', '=', account.id).executeTakeFirst();
    if (!pending) throw new GmvError('ROTATION_NONE', { account: slug });
    await trx.deleteFrom('rotations').where('account_id', '=', account.id).execute();
    await revokeWraps(trx, { personId: Number(pending.started_by_person), kinds: ['rotation'], accountId: account.id, ref: pending.started_at }, vault.now().toISOString(), 'rotation-aborted');
    return { result: { slug }, audit: [{ action: 'rotate.abort', actor: actor.login, subject: slug, outcome: 'ok', details: {} }] };
  }, { by: actor });
}

export interface DueItem { slug: string; reason: string; detail: string | null; due: string; overdue: boolean; inProgress: boolean; /** Fields still to rotate, for a departure; null: the credential. */ fields: string[] | null; /** Whose departure queued it. */ login: string | null }

/**
 * The rotation queue from one query: event-driven items, grants expired but not yet ended (due as if
 * removed on the day they expired), periodic rotation when the policy turns it on, and whether a
 * rotation is in progress; the due dates and order are worked out here.
 */
export async function rotationDue(vault: Vault): Promise<DueItem[]> {
  const policy = await activePolicy(vault.store.db);
  const today = civilDateOf(vault.now());
  const inProgress = 'case when exists (select 1 from rotations r where r.account_id = a.id) then 1 else 0 end';
  // Each part in the order the register was read before (queue rows, expired grants by expiry,
  // accounts): the sort below is stable, and items due the same day for one account keep it.
  const parts = [`select 1 as part, '' as ord_text, q.id as ord_num, a.id, a.slug, q.reason, q.detail, q.due_on, q.fields, p.login, null as at, ${inProgress} as busy
      from rotation_queue q join accounts a on a.id = q.account_id left join people p on p.id = q.person_id
      where q.done_at is null and a.status = 'active'`,
  // Expired grants no change has ended yet whose holder could open a version of the account.
  `select 2, g.until, g.id, a.id, a.slug, null, null, null, null, p.login, g.until, ${inProgress}
      from grants g join people p on p.id = g.person_id join accounts a on a.id = g.account_id
      where g.removed_at is null and g.until is not null and g.until <= ? and a.status = 'active'
        and exists (select 1 from wraps w where w.person_id = g.person_id and w.account_id = g.account_id and w.item_kind in ('credential', 'rotation'))`];
  const params: unknown[] = [vault.now().toISOString()];
  if (policy.rotation.periodicDays > 0) {
    parts.push(`select 3, '', a.id, a.id, a.slug, null, null, null, null, null, max(v.created_at), ${inProgress}
      from credential_versions v join accounts a on a.id = v.account_id
      where a.status = 'active' and v.password_hash is not null
      group by a.id, a.slug`);
  }
  const rows = await vault.store.reader.rows(`${parts.join('\n    union all\n    ')}\n    order by 1, 2, 3`, params);
  const items: DueItem[] = [];
  const queuedRemoval = new Set<number>();
  for (const [part, , , id, slug, reason, detail, dueOn, fields, login, at, busy] of rows) {
    const accountId = Number(id);
    const account = String(slug);
    const row = { inProgress: Number(busy) !== 0 };
    if (Number(part) === 1) {
      if (reason === 'access-removed') queuedRemoval.add(accountId);
      const due = String(dueOn);
      items.push({ slug: account, reason: String(reason), detail: detail === null ? null : String(detail), due, overdue: due < today, ...row, fields: fields === null ? null : JSON.parse(String(fields)) as string[], login: login === null ? null : String(login) });
    } else if (Number(part) === 2) {
      // Expiry is a removal: due as if removed that day (the next change ends it and queues the rotation); one per account.
      if (queuedRemoval.has(accountId)) continue;
      queuedRemoval.add(accountId);
      const due = addDays(civilDateOf(new Date(String(at))), policy.rotation.eventDueDays);
      items.push({ slug: account, reason: 'access-removed', detail: `grant of ${String(login)} expired`, due, overdue: due < today, ...row, fields: null, login: null });
    } else {
      const due = addDays(civilDateOf(new Date(String(at))), policy.rotation.periodicDays);
      if (due <= addDays(today, policy.rotation.lookAheadDays)) {
        items.push({ slug: account, reason: 'scheduled', detail: `every ${policy.rotation.periodicDays} days`, due, overdue: due < today, ...row, fields: null, login: null });
      }
    }
  }
  return items.sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : a.slug.localeCompare(b.slug)));
}
