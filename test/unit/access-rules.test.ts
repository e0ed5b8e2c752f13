/**
 * Every access rule, as a table: the request, the facts, and what the door answers — which rule
 * decided and, for a refusal, its own code (a departed person is not told to ask for a grant).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideAccess, RULES, ROLE_RULES, type AccessFacts, type AccessRequest } from '../../src/domain/access-rules.js';
import { exitCodeOf } from '../../src/errors.js';

const now = new Date('2026-12-02T02:00:00.000Z');
const account = { id: 7, slug: 'weibo-press', status: 'active' };
const person = (status = 'active', roles: AccessFacts['person'] extends infer P ? P extends { roles: infer R } ? R : never : never = ['editor']) =>
  ({ id: 1, login: 'zhang.wei', status, roles });
const reveal: AccessRequest = { kind: 'credential', action: 'secret.reveal', account, need: 'reveal', field: 'password' };
const grant = (can: ('reveal' | 'otp' | 'manage')[], until: string | null = null) => ({ can, until });

interface Row {
  name: string;
  request: AccessRequest;
  facts: Partial<AccessFacts>;
  rule: string;
  code?: string;
}

const table: Row[] = [
  { name: 'an active officer manages staff', request: { kind: 'role', action: 'staff.manage', subject: 'wang.fang' }, facts: { person: person('active', ['security-officer']) }, rule: 'role' },
  { name: 'an editor may not manage staff', request: { kind: 'role', action: 'staff.manage', subject: 'wang.fang' }, facts: { person: person('active', ['editor']) }, rule: 'role', code: 'DENIED_ROLE' },
  { name: 'a departed officer is told they departed, not about roles', request: { kind: 'role', action: 'staff.manage', subject: null }, facts: { person: person('departed', ['security-officer']) }, rule: 'person-status', code: 'DENIED_STATUS' },
  { name: 'an unknown person is refused by status', request: { kind: 'role', action: 'grant.manage', subject: null }, facts: { person: null }, rule: 'person-status', code: 'DENIED_STATUS' },
  { name: 'an account admin manages accounts', request: { kind: 'role', action: 'account.manage', subject: 'weibo-press' }, facts: { person: person('active', ['account-admin']) }, rule: 'role' },
  { name: 'recovery needs an officer', request: { kind: 'role', action: 'recovery.use', subject: null }, facts: { person: person('active', ['account-admin']) }, rule: 'role', code: 'DENIED_ROLE' },
  { name: 'a grant with reveal opens the password', request: reveal, facts: { person: person(), grants: [grant(['reveal'])] }, rule: 'capability' },
  { name: 'no grant at all', request: reveal, facts: { person: person(), grants: [] }, rule: 'grant', code: 'DENIED_GRANT' },
  { name: 'a grant that ended', request: reveal, facts: { person: person(), grants: [grant(['reveal'], '2026-12-01T00:00:00.000Z')] }, rule: 'grant-expiry', code: 'DENIED_GRANT_EXPIRED' },
  { name: 'a grant that ends later is in force', request: reveal, facts: { person: person(), grants: [grant(['reveal'], '2026-12-31T00:00:00.000Z')] }, rule: 'capability' },
  { name: 'an otp-only grant does not reveal', request: reveal, facts: { person: person(), grants: [grant(['otp'])] }, rule: 'capability', code: 'DENIED_CAPABILITY' },
  { name: 'reveal implies otp', request: { ...reveal, need: 'otp', field: 'otp' } as AccessRequest, facts: { person: person(), grants: [grant(['reveal'])] }, rule: 'capability' },
  { name: 'set needs manage', request: { kind: 'credential', action: 'secret.set', account, need: 'manage' }, facts: { person: person(), grants: [grant(['reveal', 'otp'])] }, rule: 'capability', code: 'DENIED_CAPABILITY' },
  { name: 'an expired manage grant beside a live reveal grant does not manage', request: { kind: 'credential', action: 'rotate.start', account, need: 'manage' }, facts: { person: person(), grants: [grant(['manage'], '2026-01-01T00:00:00.000Z'), grant(['reveal'])] }, rule: 'capability', code: 'DENIED_CAPABILITY' },
  { name: 'an archived account opens for nobody', request: { ...reveal, account: { ...account, status: 'archived' } } as AccessRequest, facts: { person: person(), grants: [grant(['reveal'])] }, rule: 'account-status', code: 'DENIED_ACCOUNT_STATUS' },
  { name: 'a departed grantee is told they departed', request: reveal, facts: { person: person('departed'), grants: [grant(['reveal'])] }, rule: 'person-status', code: 'DENIED_STATUS' },
  { name: 'an onboarding person may log in', request: { kind: 'unlock', action: 'login' }, facts: { person: person('onboarding') }, rule: 'person-status' },
  { name: 'a departed person may not log in', request: { kind: 'unlock', action: 'login' }, facts: { person: person('departed') }, rule: 'person-status', code: 'DENIED_STATUS' },
  { name: 'an onboarding person may not use credentials', request: reveal, facts: { person: person('onboarding'), grants: [grant(['reveal'])] }, rule: 'person-status', code: 'DENIED_STATUS' },
  { name: 'a missing course refuses a credential door, before any grant question', request: reveal, facts: { person: person(), grants: [], qualification: { shortfalls: [{ what: 'security-basics', state: 'missing', lapsedOn: null }] } }, rule: 'training', code: 'DENIED_TRAINING' },
  { name: 'a lapsed course refuses with the day it lapsed', request: reveal, facts: { person: person(), grants: [grant(['reveal'])], qualification: { shortfalls: [{ what: 'confidentiality', state: 'lapsed', lapsedOn: '2026-11-30' }] } }, rule: 'training', code: 'DENIED_TRAINING_EXPIRED' },
  { name: "a contractor's missing NDA refuses", request: reveal, facts: { person: person(), grants: [grant(['reveal'])], qualification: { shortfalls: [{ what: 'nda', state: 'missing', lapsedOn: null }] } }, rule: 'nda', code: 'DENIED_NDA' },
  { name: "a contractor's lapsed NDA refuses", request: reveal, facts: { person: person(), grants: [grant(['reveal'])], qualification: { shortfalls: [{ what: 'nda', state: 'lapsed', lapsedOn: '2026-10-01' }] } }, rule: 'nda', code: 'DENIED_NDA_EXPIRED' },
  { name: 'a person holding every course passes to the grant rules', request: reveal, facts: { person: person(), grants: [grant(['reveal'])], qualification: { shortfalls: [] } }, rule: 'capability' },
  { name: 'training does not gate role actions (an officer records their own)', request: { kind: 'role', action: 'staff.manage', subject: 'li.an' }, facts: { person: person('active', ['security-officer']), qualification: { shortfalls: [{ what: 'security-basics', state: 'missing', lapsedOn: null }] } }, rule: 'role' },
  { name: 'a checklist step needs a role its template names', request: { kind: 'checklist', action: 'checklist.step', subject: 'R-0001', roles: ['security-officer', 'tech-support'] }, facts: { person: person('active', ['editor']), qualification: { shortfalls: [] } }, rule: 'template-role', code: 'DENIED_ROLE' },
  { name: 'a performer whose course lapsed may not record a step', request: { kind: 'checklist', action: 'checklist.step', subject: 'R-0001', roles: ['editor'] }, facts: { person: person('active', ['editor']), qualification: { shortfalls: [{ what: 'security-basics', state: 'lapsed', lapsedOn: '2026-11-30' }] } }, rule: 'training', code: 'DENIED_TRAINING_EXPIRED' },
  { name: 'a countersigner without a contractor NDA is refused', request: { kind: 'checklist', action: 'checklist.countersign', subject: 'R-0001', roles: ['leader'] }, facts: { person: person('active', ['leader']), qualification: { shortfalls: [{ what: 'nda', state: 'missing', lapsedOn: null }] } }, rule: 'nda', code: 'DENIED_NDA' },
  { name: 'a trained performer signs', request: { kind: 'checklist', action: 'checklist.sign', subject: 'R-0001', roles: ['editor'] }, facts: { person: person('active', ['editor']), qualification: { shortfalls: [] } }, rule: 'nda' },
  { name: 'starting a run attests nothing: the role is enough', request: { kind: 'checklist', action: 'checklist.start', subject: 'impersonation-sweep', roles: ['editor'] }, facts: { person: person('active', ['editor']), qualification: { shortfalls: [{ what: 'security-basics', state: 'missing', lapsedOn: null }] } }, rule: 'template-role' },
  { name: 'a departed performer is told they departed', request: { kind: 'checklist', action: 'checklist.step', subject: 'R-0001', roles: ['editor'] }, facts: { person: person('departed', ['editor']) }, rule: 'person-status', code: 'DENIED_STATUS' },
  { name: 'a session on an active terminal', request: { kind: 'session', action: 'using a session' }, facts: { person: person(), terminal: { id: 'dev-1', status: 'active', personId: 1 } }, rule: 'terminal' },
  { name: 'a session on a revoked terminal', request: { kind: 'session', action: 'using a session' }, facts: { person: person(), terminal: { id: 'dev-1', status: 'revoked', personId: 1 } }, rule: 'terminal', code: 'DEVICE_NOT_AUTHORIZED' },
  { name: 'a session on a terminal unknown to the vault', request: { kind: 'session', action: 'using a session' }, facts: { person: person(), terminal: { id: 'dev-9', status: null, personId: null } }, rule: 'terminal', code: 'DEVICE_NOT_AUTHORIZED' },
  { name: "a session on another person's terminal", request: { kind: 'session', action: 'using a session' }, facts: { person: person(), terminal: { id: 'dev-2', status: 'active', personId: 2 } }, rule: 'terminal', code: 'DEVICE_NOT_AUTHORIZED' },
  { name: 'a departed person with a live session', request: { kind: 'session', action: 'using a session' }, facts: { person: person('departed'), terminal: { id: 'dev-1', status: 'active', personId: 1 } }, rule: 'person-status', code: 'DENIED_STATUS' },
];

describe('the access rules', () => {
  it.each(table)('$name', (row) => {
    const decision = decideAccess(row.request, { person: null, now, ...row.facts });
    expect(decision.rule).toBe(row.rule);
    if (row.code) {
      expect(decision).toMatchObject({ allow: false, code: row.code });
      expect(exitCodeOf((decision as { code: Parameters<typeof exitCodeOf>[0] }).code)).toBe(row.code === 'DEVICE_NOT_AUTHORIZED' ? 5 : 4);
    } else {
      expect(decision.allow).toBe(true);
    }
  });

  it('has a refusal of every rule in the table', () => {
    for (const [name] of RULES) expect(table.some((r) => r.rule === name && r.code), `${name} refuses`).toBe(true);
  });

  it('never allows a person who is not active a credential, whatever they hold', () => {
    fc.assert(fc.property(
      fc.constantFrom('departed', 'onboarding', 'suspended'),
      fc.array(fc.record({ can: fc.subarray(['reveal', 'otp', 'manage'] as const), until: fc.option(fc.constant('2027-01-01T00:00:00.000Z')) })),
      fc.constantFrom('reveal', 'otp', 'manage'),
      (status, grants, need) => {
        const d = decideAccess({ ...reveal, need } as AccessRequest, { person: person(status), grants, now });
        return !d.allow && d.rule === 'person-status';
      },
    ));
  });

  it('allows a role action exactly when the person holds one of its roles', () => {
    const actions = Object.keys(ROLE_RULES) as (keyof typeof ROLE_RULES)[];
    fc.assert(fc.property(
      fc.constantFrom(...actions),
      fc.subarray(['security-officer', 'account-admin', 'editor', 'auditor'] as const),
      (action, roles) => {
        const d = decideAccess({ kind: 'role', action, subject: null }, { person: person('active', roles as never), now });
        return d.allow === (ROLE_RULES[action] as readonly string[]).some((r) => (roles as readonly string[]).includes(r));
      },
    ));
  });
});
