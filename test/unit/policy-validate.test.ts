import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkPolicyFile, effectivePolicy, parsePolicy, upgradeLegacyPack } from '../../src/policy/policy.js';
import { regexProblem } from '../../src/policy/regex-safety.js';
import { GmvError } from '../../src/errors.js';

const shipped = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'shenyang-2021.yaml'), 'utf8');

describe('policy patterns', () => {
  it('refuses unanchored, nested-quantifier and invalid patterns; accepts anchored bounded ones', () => {
    expect(regexProblem('^沈阳.{0,8}(发布|官方)$')).toBeNull();
    expect(regexProblem('^[a-z]+(-[a-z0-9]{1,20})?$')).toBeNull();
    // The rule is syntactic: any repeated group holding a quantifier is refused, even a safe one.
    expect(regexProblem('^[a-z]+(-[a-z]+)*$')).toBe('catastrophic');
    expect(regexProblem('沈阳.*')).toBe('unanchored');
    expect(regexProblem('^abc\\$')).toBe('unanchored');
    expect(regexProblem('^(a+)+$')).toBe('catastrophic');
    expect(regexProblem('^(?:a|b*)*$')).toBe('catastrophic');
    expect(regexProblem('^((ab)+c)+$')).toBe('catastrophic');
    expect(regexProblem('^(a{2,})*$')).toBe('catastrophic');
    expect(regexProblem('^(a+)?$')).toBeNull();
    expect(regexProblem('^([a+])+$')).toBeNull();
    expect(regexProblem('^(a$')).toBe('invalid');
  });
});

describe('policy packs and overrides', () => {
  it('an override replaces only what it names, and each rule says where it came from', async () => {
    const p = await effectivePolicy({ text: shipped, source: 'pack' }, { text: 'override: local\nrotation:\n  periodic_days: 90\n', source: 'local' });
    expect(p.rotation).toMatchObject({ periodicDays: 90, eventDueDays: 3 });
    expect(p.rules.find((r) => r.rule === 'rotation.periodic_days')).toMatchObject({ value: 90, source: 'override', origin: 'local', cite: { zh: expect.stringContaining('第二十五条') } });
    expect(p.checklists['backup-restore-drill']).toMatchObject({ cadence: { months: 6 }, deadlineWorkingDays: 10, countersign: { required: true, roles: ['security-officer'] } });
    expect(Object.keys(p.checklists)).toEqual(['backup-restore-drill', 'security-inspection', 'impersonation-sweep', 'impersonation-case', 'offboarding', 'filing-change', 'account-closure']);
  });

  it('an override file is not a pack, and the KDF floor names the security model', async () => {
    await expect(parsePolicy('override: local\n', 'x')).rejects.toMatchObject({ code: 'POLICY_INVALID', params: { problem: 'detail.policyNotPack' } });
    const weak = await checkPolicyFile('override: weak\npassphrase:\n  kdf:\n    memory_kib: 19456\n', 'w');
    expect(weak.problems).toMatchObject([{ path: 'passphrase.kdf.memory_kib', line: 4, column: 17, params: { law: 'detail.lawKdf' } }]);
  });

  it('the validator never throws on random YAML: it reports problems with positions inside the file', async () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('name', 'override', 'login', 'max_failures', 'audit', 'retention_days', 'roles', 'cite', 'x'), tie('node'), { maxKeys: 4 })),
    })).node;
    await fc.assert(fc.asyncProperty(fc.oneof(value.map((v) => stringify(v)), fc.string(), fc.string().map((s) => shipped.slice(0, s.length * 17) + s)), async (text) => {
      let check;
      try {
        check = await checkPolicyFile(text, 'random');
      } catch (error) {
        expect(error).toBeInstanceOf(GmvError);
        return;
      }
      const lines = text.split('\n').length;
      for (const p of check.problems) {
        expect(p.line).toBeGreaterThanOrEqual(1);
        expect(p.line).toBeLessThanOrEqual(lines + 1);
        expect(p.problem).toMatch(/^detail\./);
      }
    }), { numRuns: 200 });
  });
});

describe('packs recorded by earlier gmv versions', () => {
  const legacy = `name: default
version: 1
audit:
  retention_days: 365
passphrase:
  min_length: 14
  kdf:
    memory_kib: 131072
    iterations: 3
    parallelism: 4
session:
  idle_minutes: 15
  max_hours: 8
login:
  max_failures: 4
  backoff_seconds: 2
devices:
  certificate_days: 365
  crl_days: 30
credentials:
  history: 5
  recovery_codes_low: 3
  clipboard_seconds: 20
rotation:
  periodic_days: 90
  event_due_days: 3
platforms:
  weibo: { length: 16, min_length: 8, max_length: 16, classes: [lower, upper, digit] }
`;
  it('keep their values, laid over the shipped pack for citations, roles and checklists', async () => {
    const text = await upgradeLegacyPack(legacy, () => shipped);
    const p = await parsePolicy(text!, 'legacy');
    expect(p).toMatchObject({ name: 'default', audit: { retentionDays: 365 }, passphrase: { minLength: 14, kdf: { memoryKiB: 131072 } }, login: { maxFailures: 4 }, rotation: { periodicDays: 90 } });
    expect(p.rules.find((r) => r.rule === 'login.max_failures')?.cite.en).toContain('MLPS');
    expect(Object.keys(p.checklists)).toHaveLength(7);
    expect(await upgradeLegacyPack(shipped, () => shipped)).toBeNull();
    await expect(parsePolicy((await upgradeLegacyPack(legacy.replace('retention_days: 365', 'retention_days: 30'), () => shipped))!, 'legacy')).rejects.toMatchObject({ params: { law: 'detail.lawRetention' } });
  });
});
