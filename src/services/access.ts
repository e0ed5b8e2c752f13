/**
 * The one access door. Every use case asks `authorize(vault, actor, request)`: it reads the facts
 * the rules need from the vault as it is now (never a session's snapshot), decides with the pure
 * rules of domain/access-rules.ts, records every refusal with the rule that made it, and throws
 * the refusal's own coded error. `decide` answers the same question without side effects.
 */
import { GmvError, type ErrorCode } from '../errors.js';
import { findPerson } from '../store/people.js';
import { decideAccess, needsQualification, ROLE_RULES, type AccessDecision, type AccessFacts, type AccessRequest, type Capability, type RoleAction } from '../domain/access-rules.js';
import { recordDenial, type PersonSigner, type Vault } from './vault.js';
import { qualificationOf } from './training.js';
import { byOrg, certifiedKey, checkSeal, grantSealAllowed, PERSON_KEY_COLUMNS, type SealContext } from './state-seals.js';
import { readSeen } from '../local/seen-checkpoint.js';

export { CAPABILITIES, type Capability } from '../domain/access-rules.js';
/** Which roles may do what (kept under its old name for the calendar and policy code). */
export const ACCESS_RULES = ROLE_RULES;
export type AccessAction = RoleAction;

export interface Actor {
  personId: number;
  login: string;
  /** The terminal the actor acts from, when known: recorded with a refusal. */
  deviceId?: string;
  /** Their personal key, when unlocked here or held by their session: it signs their changes' checkpoints. */
  signer?: PersonSigner;
}

/** A role action by name, or any request. */
export type Request = RoleAction | AccessRequest;

function normalize(request: Request, subject: string | null): AccessRequest {
  return typeof request === 'string' ? { kind: 'role', action: request, subject } : request;
}

async function factsFor(vault: Vault, actor: Actor, request: AccessRequest): Promise<AccessFacts> {
  const db = vault.store.db;
  const person = await findPerson(db, { id: actor.personId });
  const seals = sealContext(vault);
  // The roles and status decide every door: they count only as the organisation sealed them.
  if (person) await checkSeal(db, seals, { table: 'people', row: person.login }, { kind: 'person', login: person.login, roles: person.roles, status: person.status }, person.seal, byOrg);
  const facts: AccessFacts = { person: person ? { id: actor.personId, login: person.login, status: person.status, roles: person.roles } : null, now: vault.now() };
  if (person && request.kind === 'unlock') {
    // The key a person logs in with signs their changes and is what they are given: it counts only as the organisation certified it.
    const keys = await db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id').select(PERSON_KEY_COLUMNS)
      .where('person_keys.person_id', '=', actor.personId).where('person_keys.status', '=', 'active').execute();
    for (const key of keys) await certifiedKey(db, seals, key);
  }
  if (request.kind === 'session' && actor.deviceId !== undefined) {
    const t = await db.selectFrom('devices').select(['status', 'person_id']).where('id', '=', actor.deviceId).executeTakeFirst();
    facts.terminal = { id: actor.deviceId, status: t?.status ?? null, personId: t ? Number(t.person_id) : null };
  }
  if (request.kind === 'credential') {
    const grants = await db.selectFrom('grants').select(['can', 'until', 'granted_at', 'seal']).where('person_id', '=', actor.personId)
      .where('account_id', '=', request.account.id).where('removed_at', 'is', null).execute();
    // gmv keeps one live grant per person and account (a new grant ends the old one): more is a
    // table written outside gmv, and which of them decides would be a guess.
    if (grants.length > 1) throw new GmvError('GRANT_DUPLICATE', { login: actor.login, account: request.account.slug, count: grants.length });
    facts.grants = grants.map((g) => ({ can: JSON.parse(g.can) as Capability[], until: g.until }));
    for (const [i, g] of grants.entries()) {
      await checkSeal(db, seals, { table: 'grants', row: `${actor.login} on ${request.account.slug}` },
        { kind: 'grant', person: actor.personId, account: request.account.id, can: facts.grants[i]!.can, until: g.until, grantedAt: g.granted_at },
        g.seal === null ? null : Number(g.seal), grantSealAllowed({ id: actor.personId, roles: person?.roles ?? [] }));
    }
  }
  if (person && needsQualification(request)) {
    const row = await db.selectFrom('people').select('employer').where('id', '=', actor.personId).executeTakeFirstOrThrow();
    facts.qualification = await qualificationOf(vault, { id: actor.personId, login: person.login, roles: person.roles, employer: row.employer });
  }
  return facts;
}

/** What a seal is checked against: this vault, and the organisation key this terminal trusted before. */
export function sealContext(vault: Vault): SealContext {
  return { vaultId: vault.vaultId, pinnedOrg: readSeen(vault.paths.devicesDir, vault.vaultId)?.org || null };
}

/** Decide without side effects (for listings that show what a person could do). */
export async function decide(vault: Vault, actor: Actor, request: Request, subject: string | null = null): Promise<AccessDecision> {
  const req = normalize(request, subject);
  return decideAccess(req, await factsFor(vault, actor, req));
}

function subjectOf(request: AccessRequest, actor: Actor): string | null {
  if (request.kind === 'role' || request.kind === 'checklist') return request.subject;
  if (request.kind === 'credential') return request.account.slug;
  return actor.login;
}

/** The audit action a refusal is recorded under. */
function auditAction(request: AccessRequest): string {
  if (request.kind === 'unlock') return 'auth.failed';
  if (request.kind === 'session') return 'auth.session';
  return request.action;
}

/**
 * Decide, and on refusal record it (with the rule, the reason, the terminal and for credential
 * doors the field) and throw the refusal's coded error. `subject` goes with a role action's name.
 */
export async function authorize(vault: Vault, actor: Actor, request: Request, subject: string | null = null): Promise<void> {
  const req = normalize(request, subject);
  let facts: AccessFacts;
  try {
    facts = await factsFor(vault, actor, req);
  } catch (error) {
    // A forged or altered row that decides access: refused as an integrity failure, and on record.
    if (error instanceof GmvError && error.code === 'STATE_SEAL_INVALID') {
      await recordDenial(vault, {
        action: auditAction(req), actor: actor.login, subject: subjectOf(req, actor), outcome: 'denied',
        details: { rule: 'state-seal', reason: `${String(error.params.table)} ${String(error.params.row)}: seal check failed`, device: actor.deviceId ?? null },
      }).catch(() => undefined);
    }
    throw error;
  }
  const decision = decideAccess(req, facts);
  if (decision.allow) return;
  await recordDenial(vault, {
    action: auditAction(req), actor: actor.login, subject: subjectOf(req, actor), outcome: 'denied',
    details: {
      rule: decision.rule, reason: decision.reason, device: actor.deviceId ?? null,
      ...(req.kind === 'credential' ? { field: req.field ?? null, need: req.need } : {}),
      ...(req.kind !== 'role' && req.kind !== 'checklist' ? { door: req.action } : {}),
    },
  }, undefined, { by: actor });
  throw new GmvError(decision.code, decision.params);
}

/** A refusal about the subject of a request (the grantee, the account, the device), decided by the use case. */
export interface SubjectRefusal {
  action: string;
  subject: string | null;
  rule: 'subject-status' | 'subject-training' | 'subject-nda' | 'account-status' | 'device-owner' | 'two-person';
  reason: string;
  code: ErrorCode;
  params: Record<string, string | number>;
}

/**
 * Record and throw a refusal the use case found about its subject (a departed grantee, an archived
 * account, another person's terminal): like the door's own refusals, it is an audit entry naming
 * the rule, and its own coded error.
 */
export async function refuse(vault: Vault, actor: Pick<Actor, 'login' | 'deviceId' | 'signer'>, refusal: SubjectRefusal): Promise<never> {
  await recordDenial(vault, {
    action: refusal.action, actor: actor.login, subject: refusal.subject, outcome: 'denied',
    details: { rule: refusal.rule, reason: refusal.reason, device: actor.deviceId ?? null },
  }, undefined, { by: actor });
  throw new GmvError(refusal.code, refusal.params);
}
