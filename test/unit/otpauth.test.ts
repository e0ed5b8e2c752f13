import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GmvError } from '../../src/errors.js';
import { parseTotpInput, toOtpauthUri, normalizeBase32Seed, type TotpSeed } from '../../src/domain/otpauth.js';
import { totpCode } from '../../src/crypto/totp.js';

/** RFC 4648 base32 without padding, to make seeds from random bytes. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function thrown(fn: () => unknown): GmvError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GmvError);
    return error as GmvError;
  }
  throw new Error('expected a GmvError');
}

const GOOGLE = 'JBSWY3DPEHPK3PXP';
const RFC_SHA1 = base32(Buffer.from('12345678901234567890'));
const RFC_SHA256 = base32(Buffer.from('12345678901234567890123456789012'));
const RFC_SHA512 = base32(Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'));

describe('otpauth URIs', () => {
  it('reads the Google Authenticator key-uri-format example', () => {
    expect(parseTotpInput('otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example')).toEqual({
      secret: GOOGLE, algorithm: 'sha1', digits: 6, period: 30, issuer: 'Example', account: 'alice@google.com',
    });
  });

  it('reads the full-parameter example, encoded labels and %3A separators', () => {
    expect(parseTotpInput('otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30')).toEqual({
      secret: 'HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ', algorithm: 'sha1', digits: 6, period: 30, issuer: 'ACME Co', account: 'john.doe@email.com',
    });
    expect(parseTotpInput(`otpauth://totp/Example%3Aalice%40google.com?secret=${GOOGLE}`)).toMatchObject({ issuer: 'Example', account: 'alice@google.com' });
    expect(parseTotpInput(`otpauth://totp/Example:%20%20alice?secret=${GOOGLE}`)).toMatchObject({ issuer: 'Example', account: 'alice' });
    expect(parseTotpInput(`otpauth://totp/alice?secret=${GOOGLE}`)).toEqual({ secret: GOOGLE, algorithm: 'sha1', digits: 6, period: 30, account: 'alice' });
    expect(parseTotpInput(`OTPAUTH://TOTP/x?SECRET=${GOOGLE.toLowerCase()}`)).toMatchObject({ secret: GOOGLE });
    // The issuer parameter wins over the label prefix.
    expect(parseTotpInput(`otpauth://totp/Old:alice?secret=${GOOGLE}&issuer=New`)).toMatchObject({ issuer: 'New', account: 'alice' });
  });

  it('reads Chinese labels as KeePassXC writes them (percent-encoded title:username)', () => {
    const title = encodeURIComponent('微博-宣传科');
    const uri = `otpauth://totp/${title}:${encodeURIComponent('xck@gov.cn')}?secret=${RFC_SHA1}&period=30&digits=6&issuer=${title}`;
    expect(parseTotpInput(uri)).toEqual({ secret: RFC_SHA1, algorithm: 'sha1', digits: 6, period: 30, issuer: '微博-宣传科', account: 'xck@gov.cn' });
  });

  it('reads SHA256, SHA512, 8 digits and other periods, and the codes match RFC 6238', async () => {
    const at = new Date(59_000);
    const sha1 = parseTotpInput(`otpauth://totp/RFC:sha1?secret=${RFC_SHA1}&digits=8`);
    const sha256 = parseTotpInput(`otpauth://totp/RFC:sha256?secret=${RFC_SHA256}&algorithm=SHA256&digits=8&period=30`);
    const sha512 = parseTotpInput(`otpauth://totp/RFC:sha512?secret=${RFC_SHA512}&algorithm=sha512&digits=8`);
    expect(sha256).toMatchObject({ algorithm: 'sha256', digits: 8, period: 30 });
    expect(sha512).toMatchObject({ algorithm: 'sha512', digits: 8 });
    expect((await totpCode(sha1, at)).code).toBe('94287082');
    expect((await totpCode(sha256, at)).code).toBe('46119246');
    expect((await totpCode(sha512, at)).code).toBe('90693936');
    expect(parseTotpInput(`otpauth://totp/x?secret=${GOOGLE}&digits=7&period=60`)).toMatchObject({ digits: 7, period: 60 });
    expect(parseTotpInput(`otpauth://totp/x?secret=${GOOGLE}&period=1`)).toMatchObject({ period: 1 });
    expect(parseTotpInput(`otpauth://totp/x?secret=${GOOGLE}&period=300`)).toMatchObject({ period: 300 });
  });

  it('refuses HOTP, missing secrets, unknown algorithms and out-of-range digits or periods', () => {
    const cases: [string, RegExp][] = [
      [`otpauth://hotp/x?secret=${GOOGLE}&counter=1`, /HOTP/],
      ['otpauth://totp/x?issuer=Example', /secret parameter is missing/],
      ['otpauth://totp/x?secret=&issuer=Example', /secret parameter is missing/],
      [`otpauth://totp/x?secret=${GOOGLE}&algorithm=MD5`, /algorithm/],
      [`otpauth://totp/x?secret=${GOOGLE}&digits=5`, /digits/],
      [`otpauth://totp/x?secret=${GOOGLE}&digits=9`, /digits/],
      [`otpauth://totp/x?secret=${GOOGLE}&digits=six`, /digits/],
      [`otpauth://totp/x?secret=${GOOGLE}&period=0`, /period/],
      [`otpauth://totp/x?secret=${GOOGLE}&period=301`, /period/],
      [`otpauth://totp/x?secret=${GOOGLE}&period=-30`, /period/],
      [`otpauth://totp/x?secret=${GOOGLE}&period=30.5`, /period/],
      [`otpauth://totp/x?secret=${GOOGLE}&secret=${RFC_SHA1}`, /more than once/],
      [`otpauth://totp/x?secret=${GOOGLE}&encoder=steam`, /Steam/],
      [`otpauth://totp/x%ZZ?secret=${GOOGLE}`, /malformed/],
      [`otpauth://yotp/x?secret=${GOOGLE}`, /type must be totp/],
      ['otpauth://totp/x?secret=JBSWY3DP', /at least 10/],
    ];
    for (const [input, reason] of cases) {
      const error = thrown(() => parseTotpInput(input));
      expect(error.code, input).toBe('INVALID_INPUT');
      expect(error.message, input).toMatch(reason);
      expect(String(error.params.detail), input).toMatch(/^detail\.(uri|seed)/);
      expect(error.localized('zh-CN'), input).not.toMatch(/[a-z]{3,} [a-z]{3,} [a-z]{3,}/);
    }
  });
});

describe('bare base32 seeds', () => {
  it('accepts spaces, dashes, lowercase and padding', () => {
    const expected = { secret: GOOGLE, algorithm: 'sha1', digits: 6, period: 30 };
    expect(parseTotpInput('JBSWY3DPEHPK3PXP')).toEqual(expected);
    expect(parseTotpInput('jbsw y3dp ehpk 3pxp')).toEqual(expected);
    expect(parseTotpInput('  JBSW-Y3DP-EHPK-3PXP\n')).toEqual(expected);
    expect(parseTotpInput('GEZDGNBVGY3TQOJQGEZDGNBVGY======').secret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY');
    expect(parseTotpInput('gezdgnbvgy3tqojqgezdgnbvgy').secret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY');
  });

  it('refuses bad alphabets, truncated or short seeds and bad padding', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['JBSWY3DPEHPK3PX1', /alphabet/],
      ['JBSWY3DPEHPK3PX0', /alphabet/],
      ['JBSWY3DPEHPK3P', /whole number of bytes/],
      ['JBSWY3DP', /at least 10/],
      ['GEZDGNBVGY3TQOJQGEZDGNBVGY==', /padding/],
      ['GEZDGNBV=GY3TQOJQGEZDGNBVGY', /padding/],
      ['GEZDGNBVGY3TQOJQGEZDGNBVGZ', /byte boundary/],
      [base32(new Uint8Array(65)), /at most 64/],
    ];
    for (const [input, reason] of cases) {
      expect(thrown(() => parseTotpInput(input)).message, input).toMatch(reason);
    }
    expect(normalizeBase32Seed(base32(new Uint8Array(64)))).toHaveLength(103);
  });
});

const seedArb: fc.Arbitrary<TotpSeed> = fc.record({
  secret: fc.uint8Array({ minLength: 10, maxLength: 64 }).map(base32),
  algorithm: fc.constantFrom('sha1' as const, 'sha256' as const, 'sha512' as const),
  digits: fc.constantFrom(6 as const, 7 as const, 8 as const),
  period: fc.integer({ min: 1, max: 300 }),
});
const nameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '');

describe('properties', () => {
  it('toOtpauthUri round-trips through parseTotpInput', () => {
    fc.assert(fc.property(seedArb, nameArb, nameArb, (seed, issuer, label) => {
      const uri = toOtpauthUri(seed, issuer, label);
      expect(uri).toMatch(/^otpauth:\/\/totp\//);
      expect(parseTotpInput(uri)).toEqual({ ...seed, issuer: issuer.trim(), account: label.trim() });
    }), { numRuns: 500 });
    expect(toOtpauthUri({ secret: GOOGLE, algorithm: 'sha1', digits: 6, period: 30 }, '微博', 'a:b+c')).toBe(
      `otpauth://totp/%E5%BE%AE%E5%8D%9A:a%3Ab%2Bc?secret=${GOOGLE}&issuer=%E5%BE%AE%E5%8D%9A&algorithm=SHA1&digits=6&period=30`,
    );
  });

  it('toOtpauthUri refuses what it cannot write', () => {
    const seed: TotpSeed = { secret: GOOGLE, algorithm: 'sha1', digits: 6, period: 30 };
    expect(thrown(() => toOtpauthUri(seed, ' ', 'alice')).code).toBe('INVALID_INPUT');
    expect(thrown(() => toOtpauthUri(seed, 'Example', '')).code).toBe('INVALID_INPUT');
    expect(thrown(() => toOtpauthUri(seed, 'Ex\uD800', 'alice')).code).toBe('INVALID_INPUT');
    expect(thrown(() => toOtpauthUri({ ...seed, period: 0 }, 'Example', 'alice')).code).toBe('INVALID_INPUT');
    expect(thrown(() => toOtpauthUri({ ...seed, secret: 'short' }, 'Example', 'alice')).code).toBe('INVALID_INPUT');
  });

  it('random garbage never throws anything but GmvError INVALID_INPUT', () => {
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 100 }).map((s) => `otpauth://totp/${s}`),
      fc.string({ unit: 'binary', maxLength: 100 }).map((s) => `otpauth://totp/x?secret=${s}`),
      fc.tuple(fc.constantFrom('secret', 'issuer', 'algorithm', 'digits', 'period', 'encoder', '%ZZ'), fc.string({ maxLength: 30 }))
        .map(([k, v]) => `otpauth://totp/a:b?secret=${GOOGLE}&${k}=${v}`),
      fc.stringMatching(/^[A-Za-z2-7 =-]{0,60}$/),
      fc.string({ maxLength: 5000, unit: 'grapheme-ascii' }),
    );
    fc.assert(fc.property(garbage, (input) => {
      try {
        const seed = parseTotpInput(input);
        expect(seed.secret).toMatch(/^[A-Z2-7]+$/);
      } catch (error) {
        expect(error).toBeInstanceOf(GmvError);
        expect((error as GmvError).code).toBe('INVALID_INPUT');
      }
    }), { numRuns: 2000 });
  });

  it('error messages never contain the secret', () => {
    const broken = fc.tuple(fc.uint8Array({ minLength: 10, maxLength: 40 }).map(base32), fc.integer({ min: 0, max: 9 })).map(([secret, variant]) => {
      const bad = `${secret}1`;
      const inputs = [
        bad,
        `otpauth://totp/a:b?secret=${bad}`,
        `otpauth://hotp/a:b?secret=${secret}`,
        `otpauth://totp/a:b?secret=${secret}&digits=9`,
        `otpauth://totp/a:b?secret=${secret}&period=0`,
        `otpauth://totp/a:b?secret=${secret}&algorithm=${secret}`,
        `otpauth://totp/a:b?secret=${secret}&secret=${secret}`,
        `otpauth://totp/a%ZZ:b?secret=${secret}`,
        `${secret}=X`,
        `otpauth://totp/a:b?secret=${secret.slice(0, 14)}`,
      ];
      return { secret, input: inputs[variant] as string };
    });
    fc.assert(fc.property(broken, ({ secret, input }) => {
      const error = thrown(() => parseTotpInput(input));
      const shown = [error.message, error.localized('zh-CN'), JSON.stringify(error.params)].join('\n');
      expect(shown).not.toContain(secret.slice(0, 14));
      expect(shown.toUpperCase()).not.toContain(secret.slice(0, 14));
    }), { numRuns: 500 });
  });
});
