import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { GmvError } from '../../src/errors.js';
import {
  CHAR_CLASSES, DEFAULT_PLATFORM_RULES, PLATFORMS, SAFE_SYMBOLS, alphabetOf, checkPassword, generatePassword, uniformIndex, validateRules,
  type CharClass, type PasswordRules, type RandomBytes,
} from '../../src/domain/password-gen.js';

/** A deterministic byte stream: SHA-256(seed || counter) blocks. */
function seeded(seed: string): RandomBytes {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n) => {
    while (pool.length < n) {
      pool = Buffer.concat([pool, createHash('sha256').update(`${seed}:${counter++}`).digest()]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return new Uint8Array(out);
  };
}

const CLASS_RE: Record<CharClass, (rules: PasswordRules) => (c: string) => boolean> = {
  lower: () => (c) => /^[a-z]$/.test(c),
  upper: () => (c) => /^[A-Z]$/.test(c),
  digit: () => (c) => /^[0-9]$/.test(c),
  symbol: (rules) => (c) => rules.symbols.includes(c),
};

function isValid(rules: PasswordRules): boolean {
  try {
    validateRules(rules);
    return true;
  } catch {
    return false;
  }
}

const rulesArb: fc.Arbitrary<PasswordRules> = fc.record({
  classes: fc.shuffledSubarray([...CHAR_CLASSES], { minLength: 1 }),
  symbols: fc.shuffledSubarray([...'!@#$%^&*-_+=?.'], { minLength: 1 }).map((s) => s.join('')),
  minPerClass: fc.integer({ min: 0, max: 4 }),
  extra: fc.integer({ min: 0, max: 40 }),
  below: fc.integer({ min: 0, max: 40 }),
  above: fc.integer({ min: 0, max: 40 }),
  forbidRepeats: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
}).map(({ classes, symbols, minPerClass, extra, below, above, forbidRepeats }) => {
  const length = Math.max(1, classes.length * minPerClass + extra);
  const rules: PasswordRules = {
    length, minLength: Math.max(1, length - below), maxLength: Math.min(256, length + above), classes, symbols, minPerClass,
  };
  if (forbidRepeats !== undefined) rules.forbidRepeats = forbidRepeats;
  return rules;
}).filter(isValid);

function thrown(fn: () => unknown): GmvError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GmvError);
    return error as GmvError;
  }
  throw new Error('expected a GmvError');
}

describe('generatePassword', () => {
  it('always satisfies checkPassword, with the exact length and every required class', () => {
    fc.assert(fc.property(rulesArb, fc.string(), (rules, seed) => {
      const pw = generatePassword(rules, seeded(seed));
      expect(checkPassword(pw, rules)).toEqual({ ok: true });
      expect([...pw]).toHaveLength(rules.length);
      for (const cls of rules.classes) {
        const count = [...pw].filter(CLASS_RE[cls](rules)).length;
        expect(count, cls).toBeGreaterThanOrEqual(rules.minPerClass);
      }
      expect([...pw].every((c) => alphabetOf(rules).includes(c))).toBe(true);
    }), { numRuns: 1000 });
  });

  it('is deterministic for a fixed random source and differs between sources', () => {
    const rules = DEFAULT_PLATFORM_RULES.weibo;
    expect(generatePassword(rules, seeded('one'))).toBe(generatePassword(rules, seeded('one')));
    expect(generatePassword(rules, seeded('one'))).not.toBe(generatePassword(rules, seeded('two')));
    fc.assert(fc.property(rulesArb, fc.string(), (r, seed) => {
      expect(generatePassword(r, seeded(seed))).toBe(generatePassword(r, seeded(seed)));
    }), { numRuns: 200 });
  });

  it('uses every allowed character, roughly evenly (chi-square sanity check)', () => {
    const rules: PasswordRules = { length: 20, minLength: 20, maxLength: 20, classes: ['digit', 'symbol'], symbols: '!@#', minPerClass: 0 };
    const random = seeded('distribution');
    const counts = new Map<string, number>();
    for (let i = 0; i < 100; i += 1) for (const c of generatePassword(rules, random)) counts.set(c, (counts.get(c) ?? 0) + 1);
    const alphabet = alphabetOf(rules);
    expect([...counts.keys()].sort()).toEqual([...alphabet].sort());
    const expected = 2000 / alphabet.length;
    const chi2 = [...alphabet].reduce((sum, c) => sum + ((counts.get(c) ?? 0) - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(32.9); // 12 degrees of freedom, p = 0.001
    // With class minimums every character still shows up, under the real random source too.
    const seen = new Set<string>();
    for (let i = 0; i < 100; i += 1) for (const c of generatePassword({ ...rules, minPerClass: 2 }, randomBytes)) seen.add(c);
    expect(seen.size).toBe(alphabet.length);
  });

  it('meets tight repeat limits and single-character classes', () => {
    const digitsNoRepeat: PasswordRules = { length: 256, minLength: 8, maxLength: 256, classes: ['digit'], symbols: '', minPerClass: 0, forbidRepeats: 1 };
    const pw = generatePassword(digitsNoRepeat, seeded('digits'));
    expect(pw).not.toMatch(/(.)\1/);
    const twoSymbols: PasswordRules = { length: 40, minLength: 40, maxLength: 40, classes: ['symbol'], symbols: '!@', minPerClass: 5, forbidRepeats: 1 };
    expect(generatePassword(twoSymbols, seeded('two'))).toMatch(/^(?:!@)+$|^(?:@!)+$/);
    const loneBang: PasswordRules = { length: 19, minLength: 19, maxLength: 19, classes: ['symbol', 'lower'], symbols: '!', minPerClass: 9, forbidRepeats: 1 };
    const bang = generatePassword(loneBang, seeded('bang'));
    expect(checkPassword(bang, loneBang)).toEqual({ ok: true });
    expect(bang.split('!').length - 1).toBeGreaterThanOrEqual(9);
  });

  it('works for every platform default', () => {
    expect(Object.keys(DEFAULT_PLATFORM_RULES).sort()).toEqual([...PLATFORMS].sort());
    for (const platform of PLATFORMS) {
      const rules = DEFAULT_PLATFORM_RULES[platform];
      validateRules(rules);
      expect(rules.length).toBe(16);
      expect(rules.minLength).toBeGreaterThanOrEqual(8);
      expect([16, 20]).toContain(rules.maxLength);
      expect(rules.classes).toEqual(expect.arrayContaining(['lower', 'upper', 'digit']));
      if (rules.classes.includes('symbol')) expect(rules.symbols).toBe(SAFE_SYMBOLS);
      const pw = generatePassword(rules, randomBytes);
      expect(checkPassword(pw, rules), platform).toEqual({ ok: true });
    }
  });
});

describe('uniformIndex', () => {
  it('is exactly uniform over a full cycle of bytes (no modulo bias)', () => {
    let next = 0;
    const cycle: RandomBytes = (n) => Uint8Array.from({ length: n }, () => next++ % 256);
    for (const n of [3, 5, 7, 10, 26, 62, 200]) {
      next = 0;
      const counts = new Array<number>(n).fill(0);
      // 256 draws: each masked value appears equally often; rejected values fall away evenly.
      const bits = 32 - Math.clz32(n - 1);
      const accepted = 256 / 2 ** bits * n;
      for (let i = 0; i < accepted; i += 1) counts[uniformIndex(n, cycle)]! += 1;
      expect(new Set(counts).size, String(n)).toBe(1);
    }
  });

  it('handles multi-byte ranges and refuses a broken random source', () => {
    expect(uniformIndex(1, () => new Uint8Array(0))).toBe(0);
    const v = uniformIndex(70_000, seeded('wide'));
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThan(70_000);
    expect(uniformIndex(2 ** 32, () => Uint8Array.of(255, 255, 255, 255))).toBe(2 ** 32 - 1);
    expect(thrown(() => uniformIndex(3, () => Uint8Array.of(255))).code).toBe('INTERNAL');
    expect(thrown(() => uniformIndex(300, () => Uint8Array.of(1))).code).toBe('INTERNAL');
  });
});

describe('checkPassword', () => {
  const rules: PasswordRules = { length: 12, minLength: 8, maxLength: 16, classes: ['lower', 'upper', 'digit', 'symbol'], symbols: '!@#', minPerClass: 1, forbidRepeats: 2 };

  it('names the rule that fails, never the password', () => {
    expect(checkPassword('aB3!aB3!', rules)).toEqual({ ok: true });
    const cases: [string, RegExp][] = [
      ['aB3!', /shorter than 8/],
      ['aB3!aB3!aB3!aB3!x', /longer than 16/],
      ['aB3!aB3!~', /not allowed/],
      ['aB3!aB3! ', /not allowed/],
      ['aB3!aB3!密', /not allowed/],
      ['abc3!abc3!', /uppercase/],
      ['aB3!aB3!!!', /more than 2 identical/],
    ];
    for (const [pw, reason] of cases) {
      const result = checkPassword(pw, rules);
      expect(result.ok, pw).toBe(false);
      if (!result.ok) {
        expect(result.reason, pw).toMatch(reason);
        expect(result.reason).not.toContain(pw);
      }
    }
  });

  it('refuses incoherent rules', () => {
    const bad: Partial<PasswordRules>[] = [
      { minLength: 13 },
      { maxLength: 11 },
      { maxLength: 300, length: 280 },
      { classes: [] },
      { classes: ['lower', 'lower'] },
      { classes: ['emoji' as CharClass] },
      { symbols: '!a' },
      { symbols: '!! ' },
      { symbols: '', classes: ['symbol'] },
      { minPerClass: 5 },
      { minPerClass: -1 },
      { forbidRepeats: 0 },
      { classes: ['symbol'], symbols: '!', forbidRepeats: 3 },
      { classes: ['symbol', 'lower'], symbols: '!', minPerClass: 7, forbidRepeats: 1 },
      { length: 12.5 },
    ];
    for (const change of bad) {
      const r = { ...rules, ...change };
      expect(thrown(() => validateRules(r)).code, JSON.stringify(change)).toBe('INVALID_INPUT');
      expect(thrown(() => generatePassword(r, randomBytes)).code).toBe('INVALID_INPUT');
    }
    validateRules({ ...rules, minPerClass: 3 }); // 4 classes x 3 fills 12 exactly
  });
});
