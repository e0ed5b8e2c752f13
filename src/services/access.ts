/**
 * The one access decision every door calls. It reads the person's current roles and status from
 * the vault (never from a session's snapshot), decides, and records every refusal with its reason.
 * Later rules (training, NDA, grants) slot in here without touching the commands.
 */
import { GmvError } from '../errors.js';
import type { Role } from '../domain/names.js';
import { recordDenial, type Vault } from './vault.js';

/** Which roles may do what. */
export const ACCESS_RULES = {
  'staff.manage': ['security-officer'],
  'staff.unlock': ['security-officer'],
  'unit.manage': ['security-officer'],
  'device.approve': ['security-officer'],
  'device.revoke': ['security-officer'],
  'audit.checkpoint.export': ['security-officer'],
  'audit.prune': ['security-officer'],
  'account.manage': ['security-officer', 'account-admin'],
  'grant.manage': ['security-officer'],
  'binding.manage': ['security-officer', 'account-admin'],
} as const satisfies Record<string, readonly Role[]>;

export type AccessAction = keyof typeof ACCESS_RULES;

export interface Decision {
  allow: boolean;
  reason: string;
}

export interface Actor {
  personId: number;
  login: string;
}

/** Decide without side effects (for listings that show what a person could do). */
export async function decide(vault: Vault, actor: Actor, action: AccessAction): Promise<Decision> {
  const person = await vault.store.db.selectFrom('people').select(['roles', 'status']).where('id', '=', actor.personId).executeTakeFirst();
  if (!person) return { allow: false, reason: 'unknown person' };
  if (person.status !== 'active') return { allow: false, reason: `person ${person.status}` };
  const roles = JSON.parse(person.roles) as Role[];
  const needed: readonly Role[] = ACCESS_RULES[action];
  if (!needed.some((r) => roles.includes(r))) return { allow: false, reason: `missing role ${needed.join(' or ')}` };
  return { allow: true, reason: 'role' };
}

/** Decide, and on refusal record it and throw DENIED_ROLE / DENIED_STATUS. */
export async function authorize(vault: Vault, actor: Actor, action: AccessAction, subject: string | null): Promise<void> {
  const decision = await decide(vault, actor, action);
  if (decision.allow) return;
  await recordDenial(vault, { action, actor: actor.login, subject, outcome: 'denied', details: { reason: decision.reason } });
  if (decision.reason.startsWith('person ')) throw new GmvError('DENIED_STATUS', { login: actor.login, status: decision.reason.slice(7), action });
  throw new GmvError('DENIED_ROLE', { action, role: ACCESS_RULES[action].join(' | '), login: actor.login });
}

/** What a grant allows on one account. `otp` is implied by `reveal`. */
export const CAPABILITIES = ['reveal', 'otp', 'manage'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * The decision for a credential door (reveal, otp, set, rotate, recovery codes): an active person
 * with a grant in force on an active account that carries the capability.
 */
export async function decideCredential(vault: Vault, actor: Actor, account: { id: number; status: string }, need: Capability): Promise<Decision> {
  const db = vault.store.db;
  const person = await db.selectFrom('people').select(['status']).where('id', '=', actor.personId).executeTakeFirst();
  if (!person || person.status !== 'active') return { allow: false, reason: `person ${person?.status ?? 'unknown'}` };
  if (account.status !== 'active') return { allow: false, reason: `account ${account.status}` };
  const grants = await db.selectFrom('grants').select(['can', 'until']).where('person_id', '=', actor.personId)
    .where('account_id', '=', account.id).where('removed_at', 'is', null).execute();
  const now = vault.now();
  const live = grants.filter((g) => !g.until || new Date(g.until) > now);
  if (live.length === 0) return { allow: false, reason: grants.length > 0 ? 'grant expired' : 'no grant' };
  const can = new Set(live.flatMap((g) => JSON.parse(g.can) as Capability[]));
  if (can.has(need) || (need === 'otp' && can.has('reveal'))) return { allow: true, reason: 'grant' };
  return { allow: false, reason: `grant lacks ${need}` };
}

/** Decide a credential door; a refusal is audited with the account, the field and the terminal. */
export async function authorizeCredential(vault: Vault, actor: Actor & { deviceId?: string }, account: { id: number; slug: string; status: string }, need: Capability, action: string, field?: string): Promise<void> {
  const decision = await decideCredential(vault, actor, account, need);
  if (decision.allow) return;
  await recordDenial(vault, { action, actor: actor.login, subject: account.slug, outcome: 'denied', details: { reason: decision.reason, field: field ?? null, device: actor.deviceId ?? null } });
  throw new GmvError('DENIED_GRANT', { login: actor.login, account: account.slug, reason: decision.reason, need });
}
