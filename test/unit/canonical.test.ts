import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson } from '../../src/domain/canonical.js';

const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.constant(null), fc.boolean(), fc.maxSafeInteger(), fc.string(), fc.string({ unit: 'grapheme' })),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
})).node;

function shuffleKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shuffleKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffleKeys(x)]));
  return v;
}

describe('canonical JSON', () => {
  it('round-trips through JSON.parse and ignores key order', () => {
    fc.assert(fc.property(value, (v) => {
      const text = canonicalJson(v);
      expect(JSON.parse(text)).toEqual(v);
      expect(canonicalJson(shuffleKeys(v))).toBe(text);
      expect(canonicalJson(JSON.parse(text))).toBe(text);
    }));
  });

  it('has no insignificant whitespace and sorts keys by code unit', () => {
    expect(canonicalJson({ b: 1, a: [true, null], 'é': '中', A: { z: 0, y: -1 } })).toBe('{"A":{"y":-1,"z":0},"a":[true,null],"b":1,"é":"中"}');
  });

  it('is each member as JSON.stringify writes it, keys sorted by code unit, undefined members left out', () => {
    // Spelled out, not through JSON.stringify of a sorted copy: an object puts integer-like keys first.
    const reference = (v: unknown): string => Array.isArray(v) ? `[${v.map(reference).join(',')}]`
      : v && typeof v === 'object' ? `{${Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`
        : JSON.stringify(v);
    fc.assert(fc.property(value, fc.string(), (v, key) => {
      expect(canonicalJson(v)).toBe(reference(v));
      expect(canonicalJson({ [key]: undefined, v })).toBe(`{"v":${reference(v)}}`);
    }));
  });

  it('refuses a value it cannot encode wherever it sits, and names the place', () => {
    fc.assert(fc.property(value, fc.constantFrom(0.5, 2 ** 60, NaN, () => 1, 1n), (v, bad) => {
      expect(() => canonicalJson([v, { deep: [bad] }])).toThrow(/\(\$\[1\]\.deep\[0\]\)/);
    }));
  });

  it('refuses values whose bytes would be ambiguous', () => {
    expect(() => canonicalJson({ x: 1.5 })).toThrow(/safe integers/);
    expect(() => canonicalJson({ x: 2 ** 60 })).toThrow(/safe integers/);
    expect(() => canonicalJson({ x: () => 1 })).toThrow(/cannot encode/);
    expect(canonicalJson({ x: undefined, y: 1 })).toBe('{"y":1}');
  });
});
