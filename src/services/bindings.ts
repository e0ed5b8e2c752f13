/**
 * Platform-side bindings: who is admin or operator of an account on the platform itself (a WeChat
 * official account has 1 admin, up to 5 long-term and 20 short-term operators; short-term bindings
 * lapse after a month). Offboarding must undo these on the platform too, so they are tracked here.
 */
import { GmvError } from '../errors.js';
import { addDays, civilDateOf, type CivilDate } from '../domain/dates.js';
import { isDisplayName } from '../domain/names.js';
import { authorize, type Actor } from './access.js';
import { findAccount } from './accounts.js';
import { activePolicy, commitChange, type Vault } from './vault.js';
import { endBinding } from './steps.js';
import type { Platform } from '../domain/password-gen.js';

export const BINDING_ROLES = ['admin', 'long-term-operator', 'short-term-operator'] as const;
export type BindingRole = (typeof BINDING_ROLES)[number];

export interface BindingView { id: number; slug: string; role: BindingRole; login: string | null; external: string | null; boundOn: string; until: string | null; createdBy: string }

export async function addBinding(vault: Vault, actor: Actor, input: { slug: string; role: BindingRole; person?: string; external?: string; boundOn?: CivilDate; expiresOn?: CivilDate }): Promise<BindingView> {
  if (!(BINDING_ROLES as readonly string[]).includes(input.role)) throw new GmvError('USAGE', { detail: 'detail.bindingRoleOneOf', roles: BINDING_ROLES.join(', ') });
  if (Boolean(input.person) === Boolean(input.external)) throw new GmvError('USAGE', { detail: 'detail.bindingPersonOrExternal' });
  if (input.external !== undefined && !isDisplayName(input.external)) throw new GmvError('INVALID_INPUT', { what: '--external', detail: 'detail.emptyPaddedControls' });
  const account = await findAccount(vault, input.slug);
  await authorize(vault, actor, 'binding.manage', input.slug);
  const db = vault.store.db;
  const person = input.person ? await db.selectFrom('people').select('id').where('login', '=', input.person).executeTakeFirst() : undefined;
  if (input.person && !person) throw new GmvError('PERSON_NOT_FOUND', { login: input.person });
  // The platform limits per role and the short-term lapse come from the pack (bindings section).
  const { limits, shortTermDays } = (await activePolicy(db)).bindings;
  const today = civilDateOf(vault.now());
  const boundOn = input.boundOn ?? today;
  const expiresOn = input.expiresOn ?? (input.role === 'short-term-operator' ? addDays(boundOn, shortTermDays) : null);
  const id = await commitChange(vault, async (trx) => {
    const active = await trx.selectFrom('bindings').select(['role', 'expires_on']).where('account_id', '=', account.id).where('removed_at', 'is', null).execute();
    const limit = limits[account.platform as Platform]?.[input.role];
    const current = active.filter((b) => b.role === input.role && (!b.expires_on || b.expires_on >= today)).length;
    if (limit !== undefined && current >= limit) {
      throw new GmvError('INVALID_INPUT', { what: 'what.binding', detail: 'detail.bindingLimit', platform: account.platform, limit, role: input.role, slug: input.slug, current });
    }
    const row = await trx.insertInto('bindings').values({
      account_id: account.id, person_id: person ? Number(person.id) : null, external_name: input.external ?? null, role: input.role,
      bound_on: boundOn, expires_on: expiresOn, created_by: actor.login, removed_at: null, removed_by: null,
    }).returning('id').executeTakeFirstOrThrow();
    return { result: Number(row.id), audit: [{ action: 'binding.add', actor: actor.login, subject: input.slug, outcome: 'ok', details: { id: Number(row.id), role: input.role, person: input.person ?? null, external: input.external ?? null, expires_on: expiresOn } }] };
  }, { by: actor });
  return (await listBindings(vault, { slug: input.slug })).find((b) => b.id === id)!;
}

/**
 * End one binding. The row is read only to name its account (the door records the refusal with
 * it); whether it is still active is decided once, by endBinding's update in the transaction.
 */
export async function removeBinding(vault: Vault, actor: Actor, id: number): Promise<BindingView> {
  const existing = (await bindingsWhere(vault, { id }))[0];
  await authorize(vault, actor, 'binding.manage', existing?.slug ?? `#${id}`);
  if (!existing) throw new GmvError('INVALID_INPUT', { what: 'what.binding', detail: 'detail.bindingNotActive', id });
  const policy = await activePolicy(vault.store.db);
  const binding = { id, slug: existing.slug, role: existing.role, person: existing.login, external: existing.external };
  await commitChange(vault, async (trx) => endBinding({ trx, at: vault.now(), actor: actor.login, policy }, binding), { by: actor });
  return existing;
}

/** Active bindings (expired short-term ones included, marked by their date, so someone unbinds them). */
export async function listBindings(vault: Vault, filter: { slug?: string; person?: string }): Promise<BindingView[]> {
  return bindingsWhere(vault, filter);
}

async function bindingsWhere(vault: Vault, filter: { slug?: string; person?: string; id?: number }): Promise<BindingView[]> {
  let q = vault.store.db.selectFrom('bindings').innerJoin('accounts', 'accounts.id', 'bindings.account_id').leftJoin('people', 'people.id', 'bindings.person_id')
    .select(['bindings.id', 'accounts.slug', 'bindings.role', 'people.login', 'bindings.external_name', 'bindings.bound_on', 'bindings.expires_on', 'bindings.created_by'])
    .where('bindings.removed_at', 'is', null);
  if (filter.slug) q = q.where('accounts.slug', '=', filter.slug);
  if (filter.person) q = q.where('people.login', '=', filter.person);
  if (filter.id !== undefined) q = q.where('bindings.id', '=', filter.id);
  const rows = await q.orderBy('accounts.slug').orderBy('bindings.id').execute();
  return rows.map((r) => ({ id: Number(r.id), slug: r.slug, role: r.role as BindingRole, login: r.login ?? null, external: r.external_name, boundOn: r.bound_on, until: r.expires_on, createdBy: r.created_by }));
}
