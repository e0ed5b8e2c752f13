/**
 * The account register (Art. 8, 10, 12, 24): every official account with its platform, owning unit
 * and filing record. `show` never prints secrets, only which fields are stored and their version.
 */
import { accountPages, collect, type AccountFilter } from '../store/listings.js';
import { inBatches } from '../store/batches.js';
import { GmvError } from '../errors.js';
import { isDisplayName, isSlug } from '../domain/names.js';
import { rolesOf } from '../store/people.js';
import { PLATFORMS, type Platform } from '../domain/password-gen.js';
import { authorize, type Actor } from './access.js';
import { commitChange, type Vault } from './vault.js';
import { sealGrants } from './state-seals.js';
import type { AuditDraft } from '../audit/entry.js';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

export interface AccountInput {
  slug: string;
  platform: string;
  name: string;
  unit: string;
  loginId?: string;
  filingNumber?: string;
  filedOn?: string;
  /** The government office the account is filed with. */
  filingOffice?: string;
}

export interface AccountView {
  slug: string;
  platform: Platform;
  name: string;
  unit: string;
  loginId: string | null;
  filingNumber: string | null;
  filedOn: string | null;
  filingOffice: string | null;
  /** An announced closure (art. 14): the day announced and the first day it may close. */
  closure: { announcedOn: string; notBefore: string } | null;
  status: string;
  createdAt: string;
  version: number | null;
  fields: string[];
  recoveryCodesLeft: number | null;
  grantees: { login: string; can: string[]; until: string | null }[];
  rotationPending: boolean;
}

export interface AddAccountResult {
  account: AccountView;
  /** Art. 8: one account per unit per platform. */
  warnings: string[];
  /** The filing checklist the registration opened (art. 35). */
  runs: { id: string; template: string; deadline: string | null }[];
}

/** An account after a change of its register data, and the filing runs the change opened (Art. 12). */
export interface ChangedAccount {
  account: AccountView;
  runs: OpenedRuns;
}

function validPlatform(platform: string): Platform {
  if (!(PLATFORMS as readonly string[]).includes(platform)) throw new GmvError('USAGE', { detail: 'detail.platformUnknown', platform, platforms: PLATFORMS.join(', ') });
  return platform as Platform;
}

/** Register text of an account: a name, and a login id or filing number if given (empty clears them); no control characters. */
function checkRegisterText(input: { name?: string | undefined; loginId?: string | undefined; filingNumber?: string | undefined; filingOffice?: string | undefined }): void {
  if (input.name !== undefined && !isDisplayName(input.name)) throw new GmvError('INVALID_INPUT', { what: 'what.accountName', detail: 'detail.emptyPaddedControls' });
  for (const [what, value] of [['what.loginId', input.loginId], ['what.filingNumber', input.filingNumber], ['what.filingOffice', input.filingOffice]] as const) {
    if (value && !isDisplayName(value)) throw new GmvError('INVALID_INPUT', { what, detail: 'detail.paddedControls' });
  }
}

/** Checklist runs an account change opened (arts. 12-14: filing changes and closures). */
export type OpenedRuns = { id: string; template: string; deadline: string | null }[];

/** The pack and calendar a triggered run needs, read before the write transaction. */
async function runContext(vault: Vault) {
  const [{ activePolicy }, { workCalendar }] = await Promise.all([import('./vault.js'), import('./calendar.js')]);
  return { policy: await activePolicy(vault.store.db), calendar: await workCalendar(vault) };
}

/** Open the runs the pack triggers on `event` for an account, inside the change's transaction. */
export async function accountRunsIn(trx: Kysely<DB>, context: Awaited<ReturnType<typeof runContext>>, now: Date, event: 'filing-change' | 'account-closure', by: string, account: { id: number; slug: string }): Promise<{ runs: OpenedRuns; audit: AuditDraft[] }> {
  const { openTriggeredRunsIn } = await import('./checklists.js');
  return openTriggeredRunsIn(trx, { ...context, now }, event, { by, accountId: account.id, account: account.slug });
}

export { runContext };

/** The key that seals a grant a person gives themselves as an account's creator: their own, logged in. */
export function personSealer(actor: Actor): NonNullable<Actor['signer']> {
  if (!actor.signer) throw new GmvError('SESSION_REQUIRED', {});
  return actor.signer;
}

export async function addAccount(vault: Vault, actor: Actor, input: AccountInput): Promise<AddAccountResult> {
  if (!isSlug(input.slug)) throw new GmvError('INVALID_INPUT', { what: 'what.slug', detail: 'detail.slugForm', slug: input.slug });
  checkRegisterText(input);
  const platform = validPlatform(input.platform);
  await authorize(vault, actor, 'account.manage', input.slug);
  const warnings: string[] = [];
  const context = await runContext(vault);
  let runs: OpenedRuns = [];
  await commitChange(vault, async (trx) => {
    const unit = await trx.selectFrom('units').select('id').where('name', '=', input.unit).executeTakeFirst();
    if (!unit) throw new GmvError('UNIT_NOT_FOUND', { unit: input.unit });
    if (await trx.selectFrom('accounts').select('id').where('slug', '=', input.slug).executeTakeFirst()) throw new GmvError('ACCOUNT_EXISTS', { slug: input.slug });
    const sibling = await trx.selectFrom('accounts').select('slug').where('unit_id', '=', Number(unit.id)).where('platform', '=', platform).where('status', '=', 'active').executeTakeFirst();
    if (sibling) warnings.push(`${input.unit} already has a ${platform} account (${sibling.slug}); Art. 8 allows one account per unit per platform`);
    const at = vault.now().toISOString();
    const row = await trx.insertInto('accounts').values({
      slug: input.slug, platform, name: input.name, unit_id: Number(unit.id), login_id: input.loginId ?? null,
      filing_number: input.filingNumber ?? null, filed_on: input.filedOn ?? null, filing_office: input.filingOffice ?? null, status: 'active', created_at: at, archived_at: null,
    }).returning('id').executeTakeFirstOrThrow();
    const audit: AuditDraft[] = [{ action: 'account.add', actor: actor.login, subject: input.slug, outcome: 'ok',
      details: { platform, unit: input.unit, name: input.name, filing_number: input.filingNumber ?? null, ...(input.filingOffice ? { filing_office: input.filingOffice } : {}), duplicate_platform: sibling?.slug ?? null } }];
    // An account admin who registers an account manages it; officers grant themselves explicitly.
    const roles = await rolesOf(trx, actor.personId);
    if (roles.includes('account-admin')) {
      await trx.insertInto('grants').values({ person_id: actor.personId, account_id: Number(row.id), can: JSON.stringify(['reveal', 'otp', 'manage']), until: null, granted_by: actor.login, granted_at: at, removed_by: null, removed_at: null }).execute();
      // Sealed by their own key: the door accepts that only for the creator's grant (services/state-seals.ts).
      await sealGrants(trx, vault.vaultId, personSealer(actor), { personId: actor.personId, accounts: [Number(row.id)] }, at);
      audit.push({ action: 'grant.add', actor: actor.login, subject: input.slug, outcome: 'ok', details: { person: actor.login, can: ['reveal', 'otp', 'manage'], until: null, automatic: true } });
    }
    // Art. 35: a new account is filed with the government office.
    const opened = await accountRunsIn(trx, context, vault.now(), 'filing-change', actor.login, { id: Number(row.id), slug: input.slug });
    runs = opened.runs;
    return { result: undefined, audit: [...audit, ...opened.audit] };
  }, { by: actor });
  return { account: await showAccount(vault, input.slug), warnings, runs };
}

export async function setAccount(vault: Vault, actor: Actor, slug: string, changes: Partial<Omit<AccountInput, 'slug' | 'platform'>>): Promise<ChangedAccount> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, 'account.manage', slug);
  checkRegisterText(changes);
  const context = await runContext(vault);
  let runs: OpenedRuns = [];
  await commitChange(vault, async (trx) => {
    const set: Record<string, string | number | null> = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.loginId !== undefined) set.login_id = changes.loginId;
    if (changes.filingNumber !== undefined) set.filing_number = changes.filingNumber;
    if (changes.filedOn !== undefined) set.filed_on = changes.filedOn;
    if (changes.filingOffice !== undefined) set.filing_office = changes.filingOffice;
    if (changes.unit !== undefined) {
      const unit = await trx.selectFrom('units').select('id').where('name', '=', changes.unit).executeTakeFirst();
      if (!unit) throw new GmvError('UNIT_NOT_FOUND', { unit: changes.unit });
      set.unit_id = Number(unit.id);
    }
    if (Object.keys(set).length === 0) throw new GmvError('USAGE', { detail: 'detail.accountNothingToChange' });
    await trx.updateTable('accounts').set(set).where('id', '=', account.id).execute();
    // Art. 12: a change of name, handle or owning unit is filed within the pack's working days.
    const filed = changes.name !== undefined || changes.loginId !== undefined || changes.unit !== undefined;
    const opened = filed ? await accountRunsIn(trx, context, vault.now(), 'filing-change', actor.login, account) : { runs: [], audit: [] };
    runs = opened.runs;
    return { result: undefined, audit: [{ action: 'account.set', actor: actor.login, subject: slug, outcome: 'ok', details: { ...changes } }, ...opened.audit] };
  }, { by: actor });
  return { account: await showAccount(vault, slug), runs };
}

export async function archiveAccount(vault: Vault, actor: Actor, slug: string): Promise<ChangedAccount> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, 'account.manage', slug);
  // An announced closure waits for its notice period (art. 14), whichever command closes it.
  await (await import('./filing.js')).checkArchiveAllowed(vault, account.id, slug);
  const context = await runContext(vault);
  let runs: OpenedRuns = [];
  await commitChange(vault, async (trx) => {
    await trx.updateTable('accounts').set({ status: 'archived', archived_at: vault.now().toISOString() }).where('id', '=', account.id).execute();
    // Art. 12: a closure is filed too.
    const opened = await accountRunsIn(trx, context, vault.now(), 'filing-change', actor.login, account);
    runs = opened.runs;
    return { result: undefined, audit: [{ action: 'account.archive', actor: actor.login, subject: slug, outcome: 'ok', details: {} }, ...opened.audit] };
  }, { by: actor });
  return { account: await showAccount(vault, slug), runs };
}

export async function findAccount(vault: Vault, slug: string): Promise<{ id: number; slug: string; status: string; platform: Platform }> {
  return (await findAccounts(vault, [slug]))[0]!;
}

/** Several accounts by slug, in the order given, one query per few hundred; the first unknown slug is an error. */
export async function findAccounts(vault: Vault, slugs: readonly string[]): Promise<{ id: number; slug: string; status: string; platform: Platform }[]> {
  const found = new Map<string, { id: number; slug: string; status: string; platform: Platform }>();
  for (const batch of inBatches(slugs)) {
    const rows = await vault.store.db.selectFrom('accounts').select(['id', 'slug', 'status', 'platform']).where('slug', 'in', batch).execute();
    for (const row of rows) found.set(row.slug, { id: Number(row.id), slug: row.slug, status: row.status, platform: row.platform as Platform });
  }
  return slugs.map((slug) => {
    const account = found.get(slug);
    if (!account) throw new GmvError('ACCOUNT_NOT_FOUND', { slug });
    return account;
  });
}

/** The register matching `filter` in one array, from one query (fast/listings.ts streams it for `account list`). */
export async function listAccounts(vault: Vault, filter: AccountFilter = {}): Promise<AccountView[]> {
  const reader = vault.store.reader;
  return reader.snapshot(() => collect(accountPages(reader, filter, vault.now())));
}

/**
 * The slug of the account a person named: its slug, or else its display name when exactly one
 * account has it (imported accounts keep the title people know them by). Several: say which.
 */
async function slugByNameOrSlug(vault: Vault, named: string): Promise<string> {
  const db = vault.store.db;
  if (await db.selectFrom('accounts').select('id').where('slug', '=', named).executeTakeFirst()) return named;
  const byName = await db.selectFrom('accounts').select('slug').where('name', '=', named).orderBy('slug').limit(11).execute();
  if (byName.length === 1) return byName[0]!.slug;
  if (byName.length > 1) throw new GmvError('ACCOUNT_AMBIGUOUS', { name: named, slugs: byName.slice(0, 10).map((r) => r.slug).join(', ') });
  throw new GmvError('ACCOUNT_NOT_FOUND', { slug: named });
}

export async function showAccount(vault: Vault, named: string): Promise<AccountView> {
  const slug = await slugByNameOrSlug(vault, named);
  const account = await findAccount(vault, slug);
  const view = (await listAccounts(vault, { status: account.status, slug }))[0];
  if (!view) throw new GmvError('ACCOUNT_NOT_FOUND', { slug });
  return view;
}
