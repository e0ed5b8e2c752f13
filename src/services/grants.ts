/**
 * Grants: who may reveal, get codes for, or manage which account, until when. Adding a grant wraps
 * the current version for the grantee (through the officer's org key); removing one wraps nothing
 * new and queues the account for rotation, since the person may remember what they saw.
 */
import { shortfallRefusal } from '../domain/access-rules.js';
import { storedRoles } from '../store/people.js';
import { qualificationOf } from './training.js';
import { GmvError } from '../errors.js';
import type { Recipient } from '../crypto/pgp.js';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { statusKey, type MessageKey } from '../i18n/catalogue.js';
import { authorize, CAPABILITIES, refuse, sealContext, type Capability } from './access.js';
import { findAccount, findAccounts } from './accounts.js';
import { fieldsAllowed, readsEverything, wrapLatestFor } from './credential-store.js';
import { FIELDS } from '../domain/credential.js';
import { formatChinaTime } from '../domain/dates.js';
import { orgSecretFor } from './officer-keys.js';
import type { KeyHolder } from './keys.js';
import { activePolicy, commitChange, type Vault } from './vault.js';
import { endExpiredGrants, endGrant, queueNarrowedRotations } from './steps.js';
import { inBatches, insertMany } from '../store/batches.js';
import { certifiedKey, PERSON_KEY_COLUMNS, writeSeal } from './state-seals.js';

export function parseCapabilities(text: string): Capability[] {
  const can = text.split(',').map((c) => c.trim()).filter(Boolean);
  for (const c of can) if (!(CAPABILITIES as readonly string[]).includes(c)) throw new GmvError('CAPABILITY_UNKNOWN', { capability: c, known: CAPABILITIES.join(', ') });
  if (can.length === 0) throw new GmvError('USAGE', { detail: 'detail.canNeedsOne', capabilities: CAPABILITIES.join(', ') });
  return [...new Set(can)] as Capability[];
}

export interface GrantView { login: string; slug: string; can: Capability[]; until: string | null; grantedBy: string; grantedAt: string; wrappedVersion: number | null }

/** A grant just given: when it narrowed one that read every field, the rotation due for the fields it no longer opens. */
export interface GrantAdded extends GrantView { rotation: { due: string; fields: string[] } | null }

/** The human lines of `gmv grant add`, in the caller's language. */
export function grantAddedLines(grants: readonly GrantAdded[], t: (key: MessageKey, params: Record<string, string>) => string): string[] {
  return grants.flatMap((g) => [
    t('grant.added', { login: g.login, account: g.slug, can: g.can.join(','), until: g.until ? formatChinaTime(new Date(g.until)) : '-' }),
    ...(g.rotation ? [t('grant.narrowed', { login: g.login, account: g.slug, fields: g.rotation.fields.map((f) => t(`field.${f}` as MessageKey, {})).join(', '), due: g.rotation.due })] : []),
  ]);
}

/**
 * The person a grant is for, checked as the door checks every grantee: active, with an approved
 * device (a key to wrap for), and trained (Art. 25) and under an NDA if a contractor (Art. 7).
 * A refusal is audited against the officer and thrown.
 */
export async function checkedGrantee(vault: Vault, officer: KeyHolder, login: string): Promise<{ personId: number; fingerprint: string; publicKey: Recipient }> {
  const db = vault.store.db;
  await authorize(vault, officer, 'grant.manage', login);
  const person = await db.selectFrom('people').innerJoin('person_keys', 'person_keys.person_id', 'people.id')
    .select(['people.id', 'people.status', ...PERSON_KEY_COLUMNS])
    .where('people.login', '=', login).where('person_keys.status', '=', 'active').executeTakeFirst();
  if (!person) {
    const exists = await db.selectFrom('people').select('status').where('login', '=', login).executeTakeFirst();
    if (!exists) throw new GmvError('PERSON_NOT_FOUND', { login });
    return refuse(vault, officer, {
      action: 'grant.add', subject: login, rule: 'subject-status', reason: `grantee ${exists.status} without an approved device`, code: 'DENIED_STATUS',
      params: { login, status: 'what.statusWithoutDevice', personStatus: statusKey('person', exists.status), action: 'what.receivingGrant' },
    });
  }
  if (person.status !== 'active') {
    return refuse(vault, officer, { action: 'grant.add', subject: login, rule: 'subject-status', reason: `grantee ${person.status}`, code: 'DENIED_STATUS', params: { login, status: statusKey('person', person.status), action: 'what.receivingGrant' } });
  }
  // Art. 25: access only after training; Art. 7: a contractor only under a confidentiality agreement.
  const granteeRow = await db.selectFrom('people').select(['roles', 'employer']).where('id', '=', Number(person.id)).executeTakeFirstOrThrow();
  const gap = (await qualificationOf(vault, { id: Number(person.id), login, roles: storedRoles(granteeRow.roles, login), employer: granteeRow.employer })).shortfalls[0];
  if (gap) {
    const refusal = shortfallRefusal(login, gap);
    return refuse(vault, officer, { action: 'grant.add', subject: login, rule: refusal.rule === 'nda' ? 'subject-nda' : 'subject-training', reason: `grantee: ${refusal.reason}`, code: refusal.code, params: refusal.params });
  }
  return certifiedKey(db, sealContext(vault), person);
}

export async function addGrants(vault: Vault, officer: KeyHolder, login: string, slugs: string[], can: Capability[], until: Date | null, onProgress?: (done: number, total: number) => void): Promise<GrantAdded[]> {
  const db = vault.store.db;
  const recipient = await checkedGrantee(vault, officer, login);
  if (until && until <= vault.now()) throw new GmvError('USAGE', { detail: 'detail.untilPast' });
  const accounts = await findAccounts(vault, [...new Set(slugs)]);
  const archived = accounts.find((a) => a.status !== 'active');
  if (archived) {
    return refuse(vault, officer, { action: 'grant.add', subject: archived.slug, rule: 'account-status', reason: `account ${archived.status}`, code: 'DENIED_STATUS', params: { login: archived.slug, status: statusKey('account', archived.status), action: 'what.grantingAccess' } });
  }
  const orgKey = await orgSecretFor(vault, officer);
  const policy = await activePolicy(db);
  const views: GrantAdded[] = [];
  await commitChange(vault, async (trx) => {
    const at = vault.now();
    // Expired grants end first (a re-grant after expiry must not hide that the old one lapsed).
    const swept = await endExpiredGrants({ trx, at, actor: officer.login, policy });
    const iso = at.toISOString();
    const untilIso = until?.toISOString() ?? null;
    const ids = accounts.map((a) => a.id);
    // The new grants are the person's only ones in force on these accounts once the old ones end,
    // so they are sealed as they are written: the seal names their fields, not their row ids, and
    // reading them back to seal them would cost a select and an update per 500.
    const seal = await writeSeal(trx, vault.vaultId, orgKey, ids.map((accountId) => ({
      kind: 'grant' as const, person: recipient.personId, account: accountId, can, until: untilIso, grantedAt: iso,
    })), iso);
    // A grant that no longer reads every field narrows one that did: found before the old ones end.
    const narrowing = readsEverything(can) ? [] : await accountsReadInFull(trx, recipient.personId, ids);
    // A re-grant replaces the grant in force; a few statements per 500 accounts, not a few per account.
    for (const chunk of inBatches(ids)) {
      await trx.updateTable('grants').set({ removed_at: iso, removed_by: officer.login })
        .where('person_id', '=', recipient.personId).where('account_id', 'in', chunk).where('removed_at', 'is', null).execute();
    }
    await insertMany(trx, 'grants', ids.map((accountId) => ({ person_id: recipient.personId, account_id: accountId, can: JSON.stringify(can), until: untilIso, granted_by: officer.login, granted_at: iso, removed_by: null, removed_at: null, seal })));
    const wrapped = await wrapLatestFor(trx, accounts, async (data) => Buffer.from(await orgKey.decrypt(data)), recipient, at, can, onProgress);
    const rotations = narrowing.length === 0 ? new Map<number, { due: string; fields: string[] }>()
      : await queueNarrowedRotations({ trx, at, actor: officer.login, policy }, { personId: recipient.personId, login }, narrowing, fieldsAllowed(can, FIELDS), `grant of ${login} narrowed to ${can.join(',')}`);
    const audit = [];
    for (const account of accounts) {
      const version = wrapped.get(account.id) ?? null;
      const rotation = rotations.get(account.id) ?? null;
      views.push({ login, slug: account.slug, can, until: untilIso, grantedBy: officer.login, grantedAt: iso, wrappedVersion: version, rotation });
      audit.push({ action: 'grant.add', actor: officer.login, subject: account.slug, outcome: 'ok' as const, details: { person: login, can, until: untilIso, wrapped_version: version, ...(rotation ? { rotation_due: rotation.due, rotation_fields: rotation.fields } : {}) } });
    }
    return { result: undefined, audit: [...swept.audit, ...audit] };
  }, { by: officer });
  return views;
}

/** The accounts among `ids` on which the person's grant in force reads every field (reveal or manage). */
async function accountsReadInFull(trx: Kysely<DB>, personId: number, ids: readonly number[]): Promise<number[]> {
  const out: number[] = [];
  for (const chunk of inBatches(ids)) {
    const live = await trx.selectFrom('grants').select(['account_id', 'can']).where('person_id', '=', personId).where('account_id', 'in', chunk).where('removed_at', 'is', null).execute();
    for (const g of live) if (readsEverything(JSON.parse(g.can) as Capability[])) out.push(Number(g.account_id));
  }
  return out;
}

export async function removeGrant(vault: Vault, officer: KeyHolder, login: string, slug: string): Promise<{ login: string; slug: string; rotationDue: string }> {
  const db = vault.store.db;
  await authorize(vault, officer, 'grant.manage', login);
  const account = await findAccount(vault, slug);
  const person = await db.selectFrom('people').select('id').where('login', '=', login).executeTakeFirst();
  if (!person) throw new GmvError('PERSON_NOT_FOUND', { login });
  const policy = await activePolicy(db);
  return commitChange(vault, async (trx) => {
    const ctx = { trx, at: vault.now(), actor: officer.login, policy };
    const ended = await endGrant(ctx, { personId: Number(person.id), login, accountId: account.id, slug }, 'grant-removed');
    if (!ended) throw new GmvError('INVALID_INPUT', { what: 'what.grant', detail: 'detail.noGrant', login, account: slug });
    const swept = await endExpiredGrants(ctx);
    return { result: { login, slug, rotationDue: ended.result.rotationDue }, audit: [...ended.audit, ...swept.audit] };
  }, { by: officer });
}
