/**
 * The access rules, as pure functions over facts read from the vault. Each rule either passes or
 * refuses with its own error code, so a departed person is told they departed, not to ask for a
 * grant. `decideAccess` runs them in a fixed order and names the rule that decided: the audit log
 * records it with every refusal. At a credential door, and when performing a checklist (a step,
 * a signature, a countersignature), the person must also hold the training their roles need and,
 * as a contractor, a confidentiality agreement in force (Arts. 7, 25).
 */
import type { ErrorCode, ErrorParams } from '../errors.js';
import type { Role } from './names.js';
import { formatChinaTime } from './dates.js';
import { statusKey } from '../i18n/catalogue.js';
import type { Shortfall } from './staff-record.js';

/** Which roles may do what. */
export const ROLE_RULES = {
  'staff.manage': ['security-officer'],
  'staff.unlock': ['security-officer'],
  'unit.manage': ['security-officer'],
  'device.approve': ['security-officer'],
  'device.reject': ['security-officer'],
  'device.revoke': ['security-officer'],
  'audit.checkpoint.export': ['security-officer'],
  'audit.prune': ['security-officer'],
  'account.manage': ['security-officer', 'account-admin'],
  'grant.manage': ['security-officer'],
  'binding.manage': ['security-officer', 'account-admin'],
  'recovery.use': ['security-officer'],
  'calendar.import': ['security-officer'],
  'policy.apply': ['security-officer'],
  'backup.create': ['security-officer'],
  'org.rekey': ['security-officer'],
  'vault.reseal': ['security-officer'],
  // Art. 29: whoever runs the unit's accounts may be the one who meets a counterfeit of them; the
  // auditor, who checks the record afterwards, does not write it.
  'impersonation.report': ['security-officer', 'account-admin', 'editor', 'reviewer', 'tech-support', 'leader'],
  'report.generate': ['security-officer', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;

export type RoleAction = keyof typeof ROLE_RULES;

/** What a grant allows on one account. `otp` is implied by `reveal`. */
export const CAPABILITIES = ['reveal', 'otp', 'manage'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What is done to a checklist run; all but starting one perform it (and sign what it records). */
export type ChecklistAction = 'checklist.start' | 'checklist.step' | 'checklist.sign' | 'checklist.countersign';

/**
 * What is asked: a role-gated action, a checklist action (the roles come from the template in the
 * pack), a credential door on one account, or opening a key/session.
 */
export type AccessRequest =
  | { kind: 'role'; action: RoleAction; subject: string | null }
  | { kind: 'checklist'; action: ChecklistAction; subject: string; roles: readonly string[] }
  | { kind: 'credential'; action: string; account: { id: number; slug: string; status: string }; need: Capability; field?: string }
  | { kind: 'unlock'; action: 'login' | 'recover' }
  | { kind: 'session'; action: 'using a session' };

export interface GrantFact {
  can: readonly Capability[];
  until: string | null;
}

/** Everything the rules look at, read in one place (services/access.ts). */
export interface AccessFacts {
  person: { id: number; login: string; status: string; roles: readonly Role[] } | null;
  /** This terminal's device, when the door involves one; `status` null when the vault does not know it. */
  terminal?: { id: string; status: string | null; personId: number | null };
  /** Grants of the person on the requested account that are not removed (expired ones included). */
  grants?: readonly GrantFact[];
  /** At a credential door or a checklist performed: the courses (and the NDA) the person lacks today, from their signed records. */
  qualification?: { shortfalls: readonly Shortfall[] };
  now: Date;
}

export type RuleName = 'person-status' | 'terminal' | 'role' | 'template-role' | 'training' | 'nda' | 'account-status' | 'grant' | 'grant-expiry' | 'capability';

export type AccessDecision =
  | { allow: true; rule: RuleName }
  | { allow: false; rule: RuleName; code: ErrorCode; params: ErrorParams; reason: string };

type RuleResult = { pass: true } | { pass: false; code: ErrorCode; params: ErrorParams; reason: string };
type Rule = (request: AccessRequest, facts: AccessFacts, login: string) => RuleResult | null;

const pass: RuleResult = { pass: true };

/** A grant in force at `now`: not removed (the caller's query), and not past its end. */
export function grantInForce(grant: Pick<GrantFact, 'until'>, now: Date): boolean {
  return grant.until === null || new Date(grant.until).getTime() > now.getTime();
}

/** Logging in, recovering and using a session as a refusal names them: catalogue words (the audit log keeps the action as asked). */
const ACTION_WORDS = { login: 'what.actionLogin', recover: 'what.actionRecover', 'using a session': 'what.actionSession' } as const;

/** The action as a refusal names it: a catalogue word, or a role or credential action's own id (staff.manage, secret.reveal). */
function actionOf(request: AccessRequest): string {
  return request.kind === 'unlock' || request.kind === 'session' ? ACTION_WORDS[request.action] : request.action;
}

const personStatus: Rule = (request, facts, login) => {
  const person = facts.person;
  if (!person) return { pass: false, code: 'DENIED_STATUS', params: { login, status: 'status.person.unknown', action: actionOf(request) }, reason: 'person unknown' };
  // Logging in is allowed while onboarding (the first login activates nothing by itself); everything else needs active.
  const ok = person.status === 'active' || (request.kind === 'unlock' && person.status === 'onboarding');
  return ok ? pass : { pass: false, code: 'DENIED_STATUS', params: { login, status: statusKey('person', person.status), action: actionOf(request) }, reason: `person ${person.status}` };
};

const terminal: Rule = (_request, facts): RuleResult | null => {
  if (facts.terminal === undefined) return null;
  const t = facts.terminal;
  if (t.status !== 'active') return { pass: false, code: 'DEVICE_NOT_AUTHORIZED', params: { device: t.id, reason: 'detail.deviceStatus', status: statusKey('device', t.status ?? 'unknown') }, reason: `terminal ${t.status ?? 'unknown'}` };
  if (facts.person && t.personId !== facts.person.id) return { pass: false, code: 'DEVICE_NOT_AUTHORIZED', params: { device: t.id, reason: 'detail.deviceOfAnother' }, reason: 'terminal of another person' };
  return pass;
};

const role: Rule = (request, facts, login) => {
  if (request.kind !== 'role') return null;
  const needed: readonly Role[] = ROLE_RULES[request.action];
  const roles = facts.person?.roles ?? [];
  return needed.some((r) => roles.includes(r)) ? pass
    : { pass: false, code: 'DENIED_ROLE', params: { action: request.action, role: needed.join(' | '), login }, reason: `missing role ${needed.join(' or ')}` };
};

/** A checklist action needs one of the roles its template names (performers, or countersigners). */
const templateRole: Rule = (request, facts, login) => {
  if (request.kind !== 'checklist') return null;
  const roles: readonly string[] = facts.person?.roles ?? [];
  return request.roles.some((r) => roles.includes(r)) ? pass
    : { pass: false, code: 'DENIED_ROLE', params: { action: request.action, role: request.roles.join(' / '), login }, reason: `needs one of ${request.roles.join(', ')}` };
};

/** Whether a request performs work the person must be trained for: a credential door, or a checklist's steps and signatures. */
export function needsQualification(request: AccessRequest): boolean {
  return request.kind === 'credential' || (request.kind === 'checklist' && request.action !== 'checklist.start');
}

/** The refusal for what a person lacks: a course missing or lapsed, or a contractor's NDA. */
export function shortfallRefusal(login: string, gap: Shortfall): { rule: 'training' | 'nda'; code: ErrorCode; params: ErrorParams; reason: string } {
  if (gap.what === 'nda') {
    return gap.state === 'missing'
      ? { rule: 'nda', code: 'DENIED_NDA', params: { login }, reason: 'no confidentiality agreement' }
      : { rule: 'nda', code: 'DENIED_NDA_EXPIRED', params: { login, lapsed: gap.lapsedOn! }, reason: `confidentiality agreement lapsed on ${gap.lapsedOn}` };
  }
  return gap.state === 'missing'
    ? { rule: 'training', code: 'DENIED_TRAINING', params: { login, course: gap.what }, reason: `course ${gap.what} not completed` }
    : { rule: 'training', code: 'DENIED_TRAINING_EXPIRED', params: { login, course: gap.what, lapsed: gap.lapsedOn! }, reason: `course ${gap.what} lapsed on ${gap.lapsedOn}` };
}

function qualificationRule(kind: 'training' | 'nda'): Rule {
  return (request, facts, login) => {
    if (!needsQualification(request) || !facts.qualification) return null;
    const gap = facts.qualification.shortfalls.find((g) => (g.what === 'nda') === (kind === 'nda'));
    if (!gap) return pass;
    const refusal = shortfallRefusal(login, gap);
    return { pass: false, code: refusal.code, params: refusal.params, reason: refusal.reason };
  };
}

const accountStatus: Rule = (request, _facts, login) => {
  if (request.kind !== 'credential') return null;
  const status = request.account.status;
  return status === 'active' ? pass
    : { pass: false, code: 'DENIED_ACCOUNT_STATUS', params: { login, account: request.account.slug, status: statusKey('account', status) }, reason: `account ${status}` };
};

const grant: Rule = (request, facts, login) => {
  if (request.kind !== 'credential') return null;
  return (facts.grants ?? []).length > 0 ? pass
    : { pass: false, code: 'DENIED_GRANT', params: { login, account: request.account.slug, need: request.need }, reason: 'no grant' };
};

const grantExpiry: Rule = (request, facts, login) => {
  if (request.kind !== 'credential') return null;
  const grants = facts.grants ?? [];
  if (grants.some((g) => grantInForce(g, facts.now))) return pass;
  const ended = grants.map((g) => g.until!).sort().at(-1)!;
  return { pass: false, code: 'DENIED_GRANT_EXPIRED', params: { login, account: request.account.slug, until: formatChinaTime(new Date(ended)), need: request.need }, reason: 'grant expired' };
};

const capability: Rule = (request, facts, login) => {
  if (request.kind !== 'credential') return null;
  const can = new Set((facts.grants ?? []).filter((g) => grantInForce(g, facts.now)).flatMap((g) => g.can));
  const ok = can.has(request.need) || (request.need === 'otp' && can.has('reveal'));
  return ok ? pass
    : { pass: false, code: 'DENIED_CAPABILITY', params: { login, account: request.account.slug, need: request.need, has: [...can].sort().join(', ') }, reason: `grant lacks ${request.need}` };
};

/** The rules in the order they are asked; the first refusal decides. */
export const RULES: readonly (readonly [RuleName, Rule])[] = [
  ['person-status', personStatus],
  ['terminal', terminal],
  ['role', role],
  ['template-role', templateRole],
  ['training', qualificationRule('training')],
  ['nda', qualificationRule('nda')],
  ['account-status', accountStatus],
  ['grant', grant],
  ['grant-expiry', grantExpiry],
  ['capability', capability],
];

/** Decide a request over its facts: the first rule that refuses, or the last rule that applied. */
export function decideAccess(request: AccessRequest, facts: AccessFacts): AccessDecision {
  const login = facts.person?.login ?? '(unknown)';
  let decidedBy: RuleName = 'person-status';
  for (const [name, rule] of RULES) {
    const result = rule(request, facts, login);
    if (result === null) continue;
    if (!result.pass) return { allow: false, rule: name, code: result.code, params: result.params, reason: result.reason };
    decidedBy = name;
  }
  return { allow: true, rule: decidedBy };
}
