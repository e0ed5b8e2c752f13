/**
 * The flag parser of the oclif-free paths (src/fast/args.ts) answers only what oclif would answer the
 * same way, and hands everything else back (null) for oclif to parse and explain: a flag given twice
 * (oclif: "can only be specified once") must never let its last value win — `grant add … --can otp
 * --can reveal,manage` granted reveal and manage — and a flag where a value belongs is not a value.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseFlags, type FlagSpec } from '../../src/fast/args.js';
import { parseFastArgs } from '../../src/fast/grant-add.js';

const spec: FlagSpec = { booleans: ['--json', '--quiet', '-q'], values: { '--vault': null, '--lang': ['en', 'zh-CN'], '--can': null } };
const word = fc.stringMatching(/^[a-z0-9][a-z0-9._,-]{0,11}$/);

describe('the fast paths\' flag parser', () => {
  it('reads flags in any order, inline or not, beside positionals', () => {
    expect(parseFlags(['zhang.wei', '--can=reveal', 'a', '--json', '--vault', 'v.db', 'b'], spec)).toEqual({
      booleans: new Set(['--json']), values: new Map([['--can', 'reveal'], ['--vault', 'v.db']]), positionals: ['zhang.wei', 'a', 'b'],
    });
  });

  it('hands back any flag given twice, whatever else is around it', () => {
    fc.assert(fc.property(fc.array(word, { maxLength: 4 }), fc.constantFrom('--can', '--vault'), word, word, fc.boolean(), fc.boolean(), (around, flag, first, second, inlineFirst, inlineSecond) => {
      const give = (value: string, inline: boolean) => (inline ? [`${flag}=${value}`] : [flag, value]);
      expect(parseFlags([...around, ...give(first, inlineFirst), ...around, ...give(second, inlineSecond)], spec)).toBeNull();
    }));
    expect(parseFlags(['--json', 'x', '--json'], spec)).toBeNull();
    expect(parseFlags(['--lang', 'en', '--lang', 'zh-CN'], spec)).toBeNull();
  });

  it('does not take a flag for a value', () => {
    expect(parseFlags(['--vault', '--json'], spec)).toBeNull();
    expect(parseFlags(['--can', '-q', 'x'], spec)).toBeNull();
    expect(parseFlags(['--can=-q'], spec)?.values.get('--can')).toBe('-q');
  });

  it('grant add: -q and --quiet together are the one flag twice, and go to oclif', () => {
    expect(parseFastArgs(['grant', 'add', 'zhang.wei', 'weibo-press', '-q', '--quiet'])).toBeNull();
    expect(parseFastArgs(['grant', 'add', 'zhang.wei', 'weibo-press', '--can', 'otp', '--can', 'reveal,manage', '-q'])).toBeNull();
    expect(parseFastArgs(['grant', 'add', 'zhang.wei', 'weibo-press', 'douyin-press', '--can', 'otp', '-q'])).toMatchObject({ login: 'zhang.wei', slugs: ['weibo-press', 'douyin-press'], can: 'otp' });
  });
});
