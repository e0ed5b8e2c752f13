import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { actionOf } from '../../src/audit/entry.js';
import { canonicalJson } from '../../src/domain/canonical.js';

// The names the verifier looks up, and ones that differ from them by a character or an escape.
const NAMES = ['audit.prune', 'device.revoke', 'recovery.use', 'person.key.retire', 'person.add', 'grant.add', 'policy.apply'];
const name = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom(...NAMES).chain((n) => fc.constantFrom(`${n}"`, `${n}\\`, `${n}x`, n.slice(0, -1), `"${n}`, `${n}","`)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
// Canonical bodies, and texts that only look like their start.
const body = fc.oneof(
  fc.tuple(name, fc.string()).map(([action, actor]) => canonicalJson({ action, actor, v: 1 })),
  fc.tuple(name, fc.string({ maxLength: 8 })).map(([action, rest]) => `{"action":"${action}"${rest}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('actionOf', () => {
  it('names exactly the action whose canonical prefix the body starts with', () => {
    fc.assert(fc.property(body, (text) => {
      for (const n of NAMES) expect(actionOf(text) === n, `${n} in ${text}`).toBe(text.startsWith(`{"action":${JSON.stringify(n)},`));
    }), { numRuns: 2000 });
  });

  it('reads the action of a canonical body', () => {
    expect(actionOf(canonicalJson({ action: 'device.revoke', subject: 'd1', v: 1 }))).toBe('device.revoke');
    expect(actionOf('{"action":"device.revoke"}')).toBe('');
  });
});
