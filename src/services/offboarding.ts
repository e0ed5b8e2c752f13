/**
 * `gmv staff offboard HANDLE` (Art. 25: departing staff are put under confidentiality management).
 * One transaction with all its audit entries, or nothing:
 *  - the person is departed; every grant ends, every terminal is revoked under one new CRL, every
 *    personal key retired (so the verifier refuses any checkpoint their key signs after this), and
 *    with it every wrap; their session is refused at its next command (the door reads the status);
 *  - every (account, version) they could ever decrypt — from the wrap records and the escrow of an
 *    organisation key they held, not only current grants — is read, with the fields each version
 *    held and those the audit log shows they revealed;
 *  - each such account is queued for rotation with reason `departure`, the fields to rotate and
 *    the pack's deadline in working days; their platform-side bindings are listed for unbinding;
 *  - the `offboarding` checklist opens, and the officer signs the offboarding record.
 * Each field of a version is sealed under its own key and a grant's wrap holds the fields it opens,
 * so an otp-only grantee is exposed to the TOTP seed alone; a version written before that (sealed
 * whole) counts as wholly exposed to whoever held a wrap of it.
 */
import type { Kysely } from 'kysely';
import { GmvError } from '../errors.js';
import type { DB } from '../store/schema.js';
import { findPerson } from '../store/people.js';
import { exposure, exposedAccounts, holdsOrgKey } from '../store/wraps.js';
import { civilDateOf, type CivilDate } from '../domain/dates.js';
import { addWorkdays, type WorkCalendar } from '../domain/workdays.js';
import type { AuditDraft } from '../audit/entry.js';
import { authorize, sealContext } from './access.js';
import { caFor, orgSecretFor } from './officer-keys.js';
import { checkSealedPeople, sealPeople } from './state-seals.js';
import type { KeyHolder } from './keys.js';
import { activePolicy, commitChange, type Vault } from './vault.js';
import { endGrants, issueCrl, retireKeys, revokeDeviceStep } from './steps.js';
import { openTriggeredRunsIn } from './checklists.js';
import { workCalendar } from './calendar.js';
import { signStaffRecordIn } from './training.js';
import { prepareRekey, rekeyIn, wipeRekey, type RekeyView } from './org-rekey.js';
import { refFields, versionFields } from './credential-store.js';

import { ROTATED_FIELDS, type RotatedField } from '../domain/credential.js';

export { ROTATED_FIELDS, type RotatedField };

export interface ExposedAccount {
  slug: string;
  /** Credential versions they could decrypt. */
  versions: number[];
  /** Fields those versions held that a departure rotates. */
  fields: RotatedField[];
  /** Fields the audit log shows they revealed (or used: TOTP codes, recovery codes). */
  revealed: RotatedField[];
  /** Queued for rotation, due on this civil date; null when no rotatable field was ever stored. */
  due: string | null;
}

export interface OffboardView {
  login: string;
  effective: string;
  grantsEnded: number;
  devicesRevoked: string[];
  crlNumber: number | null;
  keysRetired: string[];
  exposed: ExposedAccount[];
  /** Platform-side bindings still to remove on the platform itself. */
  bindings: { id: number; slug: string; role: string; external: string | null }[];
  /** The offboarding checklist run the pack triggers; null when the pack has none. */
  run: string | null;
  /** The deadline of the rotations; null when the calendar cannot count it (they are then due today). */
  deadline: string | null;
  recordSha256: string;
  /** The re-key this departure ran, when they held the organisation key. */
  rekey: RekeyView | null;
}

/** What the audit log shows a person revealed, by account slug: passwords, TOTP codes, recovery codes. */
async function revealedBy(db: Kysely<DB>, login: string): Promise<Map<string, Set<RotatedField>>> {
  const rows = await db.selectFrom('audit_entries').select(['action', 'subject', 'body'])
    .where('actor', '=', login).where('outcome', '=', 'ok').where('action', 'in', ['secret.reveal', 'secret.otp', 'recovery.use']).execute();
  const out = new Map<string, Set<RotatedField>>();
  for (const row of rows) {
    if (!row.subject) continue;
    const set = out.get(row.subject) ?? new Set<RotatedField>();
    if (row.action === 'secret.otp') set.add('totp');
    else if (row.action === 'recovery.use') set.add('recovery');
    else {
      // A pruned entry keeps no body: what it revealed is unknown, so it counts as the password.
      const field = row.body ? (JSON.parse(row.body) as { details?: { field?: string } }).details?.field : 'password';
      if (field === 'password' || field === undefined) set.add('password');
      else if (field === 'otp' || field === 'totp') set.add('totp');
      else if (field === 'recovery') set.add('recovery');
    }
    out.set(row.subject, set);
  }
  return out;
}

/** The rotation deadline: working days from the calendar; a day no calendar covers makes it due today (flagged, never guessed later). */
function departureDeadline(calendar: WorkCalendar, today: CivilDate, workingDays: number): string | null {
  try {
    return addWorkdays(calendar, today, workingDays);
  } catch (error) {
    if (error instanceof GmvError && error.code === 'CALENDAR_UNKNOWN') return null;
    throw error;
  }
}

export async function offboardStaff(vault: Vault, officer: KeyHolder & { deviceId?: string }, login: string, effective?: CivilDate): Promise<OffboardView> {
  await authorize(vault, officer, 'staff.manage', login);
  const db = vault.store.db;
  const person = await findPerson(db, { login });
  if (!person) throw new GmvError('PERSON_NOT_FOUND', { login });
  if (person.status === 'departed') throw new GmvError('PERSON_DEPARTED', { login });
  if (person.id === officer.personId) throw new GmvError('INVALID_INPUT', { what: 'what.person', detail: 'detail.offboardSelf' });
  const today = civilDateOf(vault.now());
  const day = effective ?? today;
  if (day > today) throw new GmvError('INVALID_INPUT', { what: '--effective', detail: 'detail.offboardFuture', day, today });
  const policy = await activePolicy(db);
  const calendar = await workCalendar(vault);
  const deadline = departureDeadline(calendar, today, policy.rotation.departureWorkingDays);
  const due = deadline ?? today;
  const ca = await caFor(vault, officer);
  const orgSigner = await orgSecretFor(vault, officer);
  await checkSealedPeople(db, sealContext(vault), [person.id], false);
  // They held the organisation key and the device CA: both are replaced in this same change.
  const heldOrgKey = await holdsOrgKey(db, person.id);
  const rekey = heldOrgKey ? await prepareRekey(vault, officer, policy) : null;

  const rows = await exposure(db, person.id);
  const accounts = exposedAccounts(rows);
  const fieldsOf = await versionFields(db, [...accounts.keys()]);
  const revealed = await revealedBy(db, login);
  // Which fields they could open: a wrap of a version sealed field by field names its fields; one
  // sealed whole (written before) exposes every field it held.
  const heldFields = new Map<number, Set<string>>();
  for (const r of rows) {
    if (r.accountId === null || (r.kind !== 'credential' && r.kind !== 'rotation')) continue;
    const set = heldFields.get(r.accountId) ?? new Set<string>();
    for (const f of (r.kind === 'credential' ? refFields(r.ref) : null) ?? fieldsOf.get(`${r.accountId}:${r.version}`) ?? []) set.add(f);
    heldFields.set(r.accountId, set);
  }
  const exposed: (ExposedAccount & { accountId: number })[] = [...accounts.entries()].map(([accountId, a]) => {
    const held = heldFields.get(accountId) ?? new Set<string>();
    const fields = ROTATED_FIELDS.filter((f) => held.has(f));
    const saw = revealed.get(a.account) ?? new Set();
    return { accountId, slug: a.account, versions: a.versions, fields, revealed: ROTATED_FIELDS.filter((f) => saw.has(f)), due: fields.length ? due : null };
  }).sort((x, y) => x.slug.localeCompare(y.slug));

  const result = await commitChange(vault, async (trx) => {
    const at = vault.now();
    const ctx = { trx, at, actor: officer.login, policy };
    const audit: AuditDraft[] = [];
    const changed = await trx.updateTable('people').set({ status: 'departed', departed_at: at.toISOString() }).where('id', '=', person.id).where('status', '!=', 'departed').executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw new GmvError('PERSON_DEPARTED', { login });
    await sealPeople(trx, vault.vaultId, orgSigner, [person.id], at.toISOString());
    if (person.roles.includes('security-officer')) {
      const others = (await trx.selectFrom('people').select(['roles']).where('status', '=', 'active').execute()).filter((p) => (JSON.parse(p.roles) as string[]).includes('security-officer'));
      if (others.length === 0) throw new GmvError('INVALID_INPUT', { what: 'what.person', detail: 'detail.lastOfficer', login });
    }

    // The rotation queue first: the grants ended below then find each account already queued.
    for (const e of exposed.filter((x) => x.fields.length > 0)) {
      await trx.insertInto('rotation_queue').values({
        account_id: e.accountId, reason: 'departure', detail: `${login} left${e.revealed.length ? ` (revealed: ${e.revealed.join(', ')})` : ''}`,
        due_on: due, created_at: at.toISOString(), done_at: null, fields: JSON.stringify(e.fields), person_id: person.id,
      }).execute();
    }

    const grants = await trx.selectFrom('grants').innerJoin('accounts', 'accounts.id', 'grants.account_id').select(['grants.account_id', 'accounts.slug'])
      .where('grants.person_id', '=', person.id).where('grants.removed_at', 'is', null).execute();
    for (const ended of await endGrants(ctx, { personId: person.id, login }, grants.map((g) => ({ accountId: Number(g.account_id), slug: g.slug })), 'departure')) audit.push(...ended.audit);

    const devices = await trx.selectFrom('devices').select(['id', 'cert_serial']).where('person_id', '=', person.id).where('status', '!=', 'revoked').orderBy('created_at').execute();
    for (const d of devices) audit.push(...(await revokeDeviceStep(ctx, d.id, `${login} departed`)).audit);
    const crlNumber = devices.length ? await issueCrl(ctx, ca) : null;
    if (crlNumber !== null) for (const e of audit) if (e.action === 'device.revoke') e.details = { ...e.details, crl_number: crlNumber };

    const retired = await retireKeys(ctx, { personId: person.id, login }, 'departure');
    audit.push(...retired.audit);

    const bindings = (await trx.selectFrom('bindings').innerJoin('accounts', 'accounts.id', 'bindings.account_id')
      .select(['bindings.id', 'accounts.slug', 'bindings.role', 'bindings.external_name'])
      .where('bindings.person_id', '=', person.id).where('bindings.removed_at', 'is', null).orderBy('bindings.id').execute())
      .map((b) => ({ id: Number(b.id), slug: b.slug, role: b.role, external: b.external_name }));

    const rekeyed = rekey ? await rekeyIn(trx, vault, rekey, officer.login, `${login} departed`, policy) : null;
    if (rekeyed) audit.push(...rekeyed.audit);

    const opened = await openTriggeredRunsIn(trx, { policy, calendar, now: at }, 'offboarding', { by: officer.login, trigger: `offboarding:${login}` });
    audit.push(...opened.audit);
    const run = { id: opened.runs[0]?.id ?? null };

    const details = {
      effective: day, grants_ended: grants.length, devices_revoked: devices.map((d) => d.id), crl_number: crlNumber, keys_retired: retired.result,
      rotation_due: deadline, run: run.id, org_rekey: rekeyed ? rekeyed.result.toOrg : null,
      exposure: exposed.map((e) => ({ account: e.slug, versions: e.versions, fields: [...e.fields], revealed: [...e.revealed], due: e.due })),
      bindings: bindings.map((b) => ({ id: b.id, account: b.slug, role: b.role, external: b.external })),
    };
    const signed = await signStaffRecordIn(trx, vault, officer, {
      personId: person.id, kind: 'offboarding', person: { login, name: person.name, employer: (await trx.selectFrom('people').select('employer').where('id', '=', person.id).executeTakeFirstOrThrow()).employer },
      course: null, on: day, lapsesOn: null, evidence: [], details,
    }, 'person.offboard', at);
    // The summary entry comes first: it names everything the steps after it did.
    return {
      result: { login, effective: day, grantsEnded: grants.length, devicesRevoked: devices.map((d) => d.id), crlNumber, keysRetired: retired.result,
        exposed: exposed.map(({ accountId: _id, ...e }) => e), bindings, run: run.id, deadline, recordSha256: signed.sha256, rekey: rekeyed?.result ?? null },
      audit: [{ ...signed.audit, details: { ...signed.audit.details, ...details } }, ...audit],
    };
  }, { by: officer }).finally(() => { if (rekey) wipeRekey(rekey); });
  return result;
}

export interface DepartureItems {
  departedAt: string | null;
  /** Rotations queued by their departure and not yet done. */
  rotations: { slug: string; fields: string[]; due: string; overdue: boolean }[];
  bindings: { id: number; slug: string; role: string; external: string | null }[];
  runs: { id: string; status: string; deadline: string | null }[];
}

/** What is still open after a person's departure (gmv staff show): an account is clean once every exposed field was rotated after it. */
export async function departureItems(vault: Vault, login: string): Promise<DepartureItems | null> {
  const db = vault.store.db;
  const person = await db.selectFrom('people').select(['id', 'status', 'departed_at']).where('login', '=', login).executeTakeFirst();
  if (!person || person.status !== 'departed') return null;
  const today = civilDateOf(vault.now());
  const rotations = (await db.selectFrom('rotation_queue').innerJoin('accounts', 'accounts.id', 'rotation_queue.account_id')
    .select(['accounts.slug', 'rotation_queue.fields', 'rotation_queue.due_on'])
    .where('rotation_queue.person_id', '=', Number(person.id)).where('rotation_queue.done_at', 'is', null).where('accounts.status', '=', 'active')
    .orderBy('accounts.slug').execute())
    .map((r) => ({ slug: r.slug, fields: r.fields ? JSON.parse(r.fields) as string[] : [...ROTATED_FIELDS], due: r.due_on, overdue: r.due_on < today }));
  const bindings = (await db.selectFrom('bindings').innerJoin('accounts', 'accounts.id', 'bindings.account_id')
    .select(['bindings.id', 'accounts.slug', 'bindings.role', 'bindings.external_name'])
    .where('bindings.person_id', '=', Number(person.id)).where('bindings.removed_at', 'is', null).orderBy('bindings.id').execute())
    .map((b) => ({ id: Number(b.id), slug: b.slug, role: b.role, external: b.external_name }));
  const runs = (await db.selectFrom('checklist_runs').select(['run_id', 'status', 'deadline']).where('trigger', '=', `offboarding:${login}`).where('status', '!=', 'countersigned').orderBy('id').execute())
    .map((r) => ({ id: r.run_id, status: r.status, deadline: r.deadline }));
  return { departedAt: person.departed_at, rotations, bindings, runs };
}
