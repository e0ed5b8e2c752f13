/**
 * Staff records (Art. 11, 25, 27): who works for which unit, employed in-house or by a contractor
 * agency (Art. 7), in which roles, in which state. Only the fields the measures need are kept.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { AuditDraft } from '../audit/entry.js';
import { holdsOrgKey, revokeWraps } from '../store/wraps.js';
import { storedRoles } from '../store/people.js';
import { GmvError } from '../errors.js';
import { isDisplayName, isLoginHandle, ROLES, type Role } from '../domain/names.js';
import { authorize, sealContext, type Actor } from './access.js';
import { activePolicy, commitChange, type Vault } from './vault.js';
import { clearFailures, loggedFailuresOf } from './throttle.js';
import { orgSecretFor, wrapOfficerKeys } from './officer-keys.js';
import type { KeyHolder } from './keys.js';
import { prepareRekey, rekeyIn, wipeRekey, type RekeyView } from './org-rekey.js';
import type { CheckpointSigner } from '../audit/log.js';
import { certifiedKey, checkSealedPeople, PERSON_KEY_COLUMNS, sealGrants, sealPeople } from './state-seals.js';

export interface PersonView {
  login: string;
  name: string;
  unit: string;
  employer: string | null;
  roles: Role[];
  status: string;
  createdAt: string;
  devices: { id: string; status: string; label: string }[];
  mfa: boolean;
  locked: boolean;
}

export function parseRoles(text: string): Role[] {
  const roles = text.split(',').map((r) => r.trim()).filter(Boolean);
  if (roles.length === 0) throw new GmvError('USAGE', { detail: 'detail.rolesNeedOne', roles: ROLES.join(', ') });
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new GmvError('USAGE', { detail: 'detail.roleUnknown', role, roles: ROLES.join(', ') });
  }
  return [...new Set(roles)] as Role[];
}

export interface AddStaff {
  login: string;
  name: string;
  unit: string;
  roles: Role[];
  employer?: string;
}

/** Check a new person's fields before anything is written. */
export function checkNewPerson(input: AddStaff): void {
  if (!isLoginHandle(input.login)) throw new GmvError('INVALID_INPUT', { what: 'what.loginHandle', detail: 'detail.loginHandleForm', login: input.login });
  if (!isDisplayName(input.name)) throw new GmvError('INVALID_INPUT', { what: 'what.personName', detail: 'detail.emptyPaddedControls' });
  if (input.employer !== undefined && !isDisplayName(input.employer)) throw new GmvError('INVALID_INPUT', { what: 'what.employer', detail: 'detail.emptyPaddedControls' });
}

/**
 * Insert a person (status onboarding) inside the caller's transaction, their roles sealed by the
 * organisation key (`orgSigner`); returns their id and the audit entry.
 */
export async function insertPersonIn(trx: Kysely<DB>, vaultId: string, orgSigner: CheckpointSigner, at: Date, actor: string, input: AddStaff): Promise<{ id: number; audit: AuditDraft }> {
  const unit = await trx.selectFrom('units').select('id').where('name', '=', input.unit).executeTakeFirst();
  if (!unit) throw new GmvError('UNIT_NOT_FOUND', { unit: input.unit });
  if (await trx.selectFrom('people').select('id').where('login', '=', input.login).executeTakeFirst()) throw new GmvError('PERSON_EXISTS', { login: input.login });
  await trx.insertInto('people').values({
    login: input.login, name: input.name, unit_id: Number(unit.id), employer: input.employer ?? null,
    roles: JSON.stringify(input.roles), status: 'onboarding', created_at: at.toISOString(),
  }).execute();
  const row = await trx.selectFrom('people').select('id').where('login', '=', input.login).executeTakeFirstOrThrow();
  await sealPeople(trx, vaultId, orgSigner, [Number(row.id)], at.toISOString());
  return { id: Number(row.id), audit: { action: 'person.add', actor, subject: input.login, outcome: 'ok', details: { unit: input.unit, roles: input.roles, employer: input.employer ?? 'in-house' } } };
}

export async function addStaff(vault: Vault, actor: KeyHolder, input: AddStaff): Promise<PersonView> {
  checkNewPerson(input);
  await authorize(vault, actor, 'staff.manage', input.login);
  const orgSigner = await orgSecretFor(vault, actor);
  await commitChange(vault, async (trx) => {
    const added = await insertPersonIn(trx, vault.vaultId, orgSigner, vault.now(), actor.login, input);
    return { result: undefined, audit: [added.audit] };
  }, { by: actor });
  return showStaff(vault, input.login);
}

export async function setRoles(vault: Vault, actor: KeyHolder, login: string, roles: Role[]): Promise<{ person: PersonView; rekey: RekeyView | null }> {
  await authorize(vault, actor, 'staff.manage', login);
  const before = await showStaff(vault, login);
  if (before.login === actor.login && before.roles.includes('security-officer') && !roles.includes('security-officer')) {
    if ((await activeOfficers(vault)).length <= 1) throw new GmvError('INVALID_INPUT', { what: '--roles', detail: 'detail.lastOfficerRole' });
  }
  const demoted = before.roles.includes('security-officer') && !roles.includes('security-officer');
  const promoted = !before.roles.includes('security-officer') && roles.includes('security-officer');
  // A demoted officer held the organisation key and the device CA: both are replaced in the same change.
  const subject = demoted ? await vault.store.db.selectFrom('people').select('id').where('login', '=', login).executeTakeFirst() : undefined;
  const held = subject ? await holdsOrgKey(vault.store.db, Number(subject.id)) : false;
  const policy = held ? await activePolicy(vault.store.db) : null;
  const rekey = held ? await prepareRekey(vault, actor, policy!) : null;
  const orgSigner = await orgSecretFor(vault, actor);
  // What is sealed again must be what the organisation sealed: a forged role or grant is not carried over.
  const subjectRow = await vault.store.db.selectFrom('people').select('id').where('login', '=', login).executeTakeFirstOrThrow();
  await checkSealedPeople(vault.store.db, sealContext(vault), [Number(subjectRow.id)], true);
  let rekeyed: RekeyView | null = null;
  await commitChange(vault, async (trx) => {
    await trx.updateTable('people').set({ roles: JSON.stringify(roles) }).where('login', '=', login).execute();
    // The new roles are sealed, and so are their grants again: one they sealed themselves as an
    // account's creator counts only while they manage accounts (services/state-seals.ts).
    const subjectId = Number(subjectRow.id);
    const at = vault.now().toISOString();
    await sealPeople(trx, vault.vaultId, orgSigner, [subjectId], at);
    await sealGrants(trx, vault.vaultId, orgSigner, { personId: subjectId }, at);
    let removedWraps = 0;
    if (demoted) {
      // No longer an officer: the organisation and device-CA keys are no longer wrapped for them.
      const person = await trx.selectFrom('people').select('id').where('login', '=', login).executeTakeFirstOrThrow();
      // The wraps stay on record with the time they stopped: the exposure of what they held.
      removedWraps = await revokeWraps(trx, { personId: Number(person.id), kinds: ['org-key', 'device-ca'] }, vault.now().toISOString(), 'role-removed');
    }
    let addedWraps = 0;
    if (promoted) {
      // A new officer with an approved key gets the officer keys now; one still onboarding, at approval.
      const key = await trx.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
        .select(PERSON_KEY_COLUMNS).where('people.login', '=', login).where('person_keys.status', '=', 'active').executeTakeFirst();
      if (key) addedWraps = await wrapOfficerKeys(trx, vault, actor, await certifiedKey(trx, sealContext(vault), key));
    }
    const audit: AuditDraft[] = [{ action: 'person.roles', actor: actor.login, subject: login, outcome: 'ok', details: { from: before.roles, to: roles, officer_key_wraps_revoked: removedWraps, officer_key_wraps_added: addedWraps } }];
    if (rekey) {
      const step = await rekeyIn(trx, vault, rekey, actor.login, `${login} no longer a security officer`, policy!);
      rekeyed = step.result;
      audit.push(...step.audit);
    }
    return { result: undefined, audit };
  }, { by: actor }).finally(() => { if (rekey) wipeRekey(rekey); });
  return { person: await showStaff(vault, login), rekey: rekeyed };
}

/** Lift a login lock-out (too many failed logins). */
export async function unlockStaff(vault: Vault, actor: Actor, login: string): Promise<PersonView> {
  await authorize(vault, actor, 'staff.unlock', login);
  const person = await showStaff(vault, login);
  await commitChange(vault, async (trx) => {
    const row = await trx.selectFrom('people').select('id').where('login', '=', login).executeTakeFirstOrThrow();
    await clearFailures(trx, Number(row.id));
    return { result: undefined, audit: [{ action: 'person.unlock', actor: actor.login, subject: login, outcome: 'ok', details: { was_locked: person.locked } }] };
  }, { by: actor });
  return showStaff(vault, login);
}

/**
 * People with their unit, devices and second factor from one query (devices as a JSON aggregate);
 * lock-out as login decides it, from the signed log (each entry's hash checked), for those listed.
 */
export async function listStaff(vault: Vault, filter: { unit?: string; role?: Role; status?: string; login?: string } = {}): Promise<PersonView[]> {
  const reader = vault.store.reader;
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.unit) { where.push('u.name = ?'); params.push(filter.unit); }
  if (filter.status) { where.push('p.status = ?'); params.push(filter.status); }
  if (filter.login) { where.push('p.login = ?'); params.push(filter.login); }
  const devices = reader.dialect === 'sqlite'
    ? 'select json_group_array(json_array(d.id, d.status, d.label) order by d.created_at) from devices d where d.person_id = p.id'
    : "select coalesce(json_agg(json_build_array(d.id, d.status, d.label) order by d.created_at), '[]')::text from devices d where d.person_id = p.id";
  const rows = await reader.rows(`select p.login, p.name, u.name, p.employer, p.roles, p.status, p.created_at, (${devices}),
      case when exists (select 1 from mfa_totp m where m.person_id = p.id and m.status = 'active') then 1 else 0 end
    from people p join units u on u.id = p.unit_id${where.length ? ` where ${where.join(' and ')}` : ''}
    order by p.login`, params);
  const people = rows.map(([login, name, unit, employer, roles, status, createdAt, devicesJson, mfa]) => ({
    login: String(login), name: String(name), unit: String(unit), employer: employer === null ? null : String(employer), roles: storedRoles(String(roles), String(login)), status: String(status), createdAt: String(createdAt),
    devices: (JSON.parse(String(devicesJson)) as [string, string, string][]).map(([id, state, label]) => ({ id, status: state, label })),
    mfa: Number(mfa) !== 0, locked: false,
  })).filter((p) => !filter.role || p.roles.includes(filter.role));
  // Lock-out as login decides it: from the signed log, not from a row anyone with SQL could delete.
  const policy = people.some((p) => p.status !== 'departed') ? await activePolicy(vault.store.db) : null;
  if (policy) {
    const counted = await loggedFailuresOf(vault.store.db, people.filter((p) => p.status !== 'departed').map((p) => p.login), policy, Number.MAX_SAFE_INTEGER);
    for (const p of people) p.locked = counted.get(p.login)?.locked ?? false;
  }
  return people;
}

/** The active security officers' handles (the one-officer warning), without the lock-out walk of a listing. */
export async function activeOfficers(vault: Vault): Promise<string[]> {
  const rows = await vault.store.reader.rows("select login, roles from people where status = 'active' order by login");
  return rows.filter(([login, roles]) => storedRoles(String(roles), String(login)).includes('security-officer')).map(([login]) => String(login));
}

export async function showStaff(vault: Vault, login: string): Promise<PersonView> {
  const person = (await listStaff(vault, { login }))[0];
  if (!person) throw new GmvError('PERSON_NOT_FOUND', { login });
  return person;
}

export async function addUnit(vault: Vault, actor: Actor, name: string): Promise<void> {
  if (!isDisplayName(name)) throw new GmvError('INVALID_INPUT', { what: 'what.unitName', detail: 'detail.emptyPaddedControls' });
  await authorize(vault, actor, 'unit.manage', name);
  await commitChange(vault, async (trx) => {
    if (await trx.selectFrom('units').select('id').where('name', '=', name).executeTakeFirst()) throw new GmvError('UNIT_EXISTS', { unit: name });
    await trx.insertInto('units').values({ name, created_at: vault.now().toISOString() }).execute();
    return { result: undefined, audit: [{ action: 'unit.add', actor: actor.login, subject: name, outcome: 'ok', details: {} }] };
  }, { by: actor });
}

export async function listUnits(vault: Vault): Promise<{ name: string; people: number; createdAt: string }[]> {
  const units = await vault.store.db.selectFrom('units').select(['id', 'name', 'created_at']).orderBy('name').execute();
  const people = await vault.store.db.selectFrom('people').select('unit_id').where('status', '!=', 'departed').execute();
  return units.map((u) => ({ name: u.name, createdAt: u.created_at, people: people.filter((p) => Number(p.unit_id) === Number(u.id)).length }));
}
