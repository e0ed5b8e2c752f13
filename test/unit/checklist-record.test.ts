/**
 * The signed checklist record: its canonical bytes do not depend on key order or re-serialization,
 * any single change to a signed record fails its signature, and the session agent's filter accepts
 * exactly the canonical record of its own vault.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isRunRecordOf, runRecordBytes, RUN_RECORD_FORMAT, type RunRecord } from '../../src/domain/checklist-record.js';
import { canonicalJson } from '../../src/domain/canonical.js';
import { generateKey, readPrivate, readPublic, signDetached, verifyDetached } from '../../src/crypto/pgp.js';

const text = fc.record({ zh: fc.string({ minLength: 1, maxLength: 8 }), en: fc.string({ minLength: 1, maxLength: 8 }) });
const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
const record: fc.Arbitrary<RunRecord> = fc.record({
  format: fc.constant(RUN_RECORD_FORMAT),
  vault: fc.uuid(),
  run: fc.record({
    id: fc.stringMatching(/^R-\d{4}$/), template: fc.constantFrom('backup-restore-drill', 'security-inspection'), title: text, cite: text,
    account: fc.option(fc.constantFrom('weibo-press', 'douyin-news'), { nil: null }), trigger: fc.option(fc.constant('offboarding'), { nil: null }),
    startedBy: fc.constantFrom('li.an', 'wang.fang'), startedAt: fc.constant('2026-12-03T01:00:00.000Z'), deadline: fc.option(fc.constant('2026-12-17'), { nil: null }),
  }),
  policy: fc.record({ pack: fc.constant('shenyang-2021'), sha256: hex }),
  steps: fc.array(fc.record({
    id: fc.stringMatching(/^[a-z]{2,8}$/), title: text, status: fc.constantFrom('done' as const, 'failed' as const, 'na' as const),
    note: fc.option(fc.string({ maxLength: 20 }), { nil: null }), evidence: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), sha256: hex, size: fc.nat() }), { maxLength: 2 }),
    by: fc.constant('li.an'), at: fc.constant('2026-12-03T02:00:00.000Z'),
  }), { minLength: 1, maxLength: 4 }),
  performer: fc.record({ login: fc.constant('li.an'), fingerprint: fc.stringMatching(/^[0-9a-f]{40}$/), signedAt: fc.constant('2026-12-03T03:00:00.000Z') }),
  countersign: fc.record({ required: fc.boolean(), roles: fc.subarray(['security-officer', 'leader']) }),
  auditEntries: fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 6 }),
});

/** The same value with every object's keys in a shuffled order. */
function shuffled(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort((a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7) || (seed % 2 ? 1 : -1));
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffled(v, seed + 1)]));
  }
  return value;
}

describe('the signed checklist record', () => {
  let key: Awaited<ReturnType<typeof readPrivate>>;
  let pub: Awaited<ReturnType<typeof readPublic>>;
  beforeAll(async () => {
    const generated = await generateKey('李安', 'gmv person li.an');
    key = await readPrivate(generated.privateArmored);
    pub = await readPublic(generated.publicArmored);
  });

  it('has the same bytes under any key order and after a JSON round trip', () => {
    fc.assert(fc.property(record, fc.nat(), (r, seed) => {
      const bytes = runRecordBytes(r);
      expect(canonicalJson(shuffled(r, seed))).toBe(bytes.toString('utf8'));
      expect(runRecordBytes(JSON.parse(bytes.toString('utf8')))).toEqual(bytes);
      expect(isRunRecordOf(bytes, r.vault)).toBe(true);
    }));
  });

  it('fails verification after any single change to a signed record', async () => {
    await fc.assert(fc.asyncProperty(record, fc.nat(), fc.nat(), async (r, at, flip) => {
      const bytes = runRecordBytes(r);
      const signature = await signDetached(bytes, key);
      const changed = Buffer.from(bytes);
      changed[at % changed.length]! ^= 1 + (flip % 127);
      expect(await verifyDetached(changed, signature, pub)).toBe(false);
      const sig = Buffer.from(signature);
      sig[Math.floor(sig.length / 2) + (at % Math.floor(sig.length / 2))]! ^= 0x10;
      expect(await verifyDetached(bytes, sig, pub)).toBe(false);
      expect(await verifyDetached(bytes, signature, pub)).toBe(true);
    }), { numRuns: 25 });
  });

  it('is what a session agent signs only when it is the canonical record of its own vault', () => {
    fc.assert(fc.property(record, fc.uuid(), (r, other) => {
      const bytes = runRecordBytes(r);
      fc.pre(other !== r.vault);
      expect(isRunRecordOf(bytes, other)).toBe(false);
      expect(isRunRecordOf(Buffer.from(JSON.stringify(r, null, 1)), r.vault)).toBe(false);
      expect(isRunRecordOf(Buffer.from(canonicalJson({ ...r, format: 'gmv-checklist-run/2' })), r.vault)).toBe(false);
    }));
  });
});
