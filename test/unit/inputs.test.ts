import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDateInput } from '../../src/domain/dates.js';
import { isLoginHandle, isSlug, isDisplayName } from '../../src/domain/names.js';
import { checkPassphrase, parseCommonList } from '../../src/policy/passphrase-rules.js';
import { Secret } from '../../src/crypto/secret.js';
import { inspect } from 'node:util';
import { escapeControls, escapeForTerminal, shown } from '../../src/domain/terminal-text.js';

describe('dates users type', () => {
  it('reads YYYY-MM-DD as midnight China time and round-trips every real day', () => {
    expect(parseDateInput('2026-10-01')!.toISOString()).toBe('2026-09-30T16:00:00.000Z');
    fc.assert(fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (d) => {
      const day = new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
      const parsed = parseDateInput(day)!;
      expect(new Date(parsed.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)).toBe(day);
    }));
  });

  it('rejects impossible days and free text', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '26-01-01', 'yesterday', '2026-01-01 10:00', '2026-01-01T10:00', '']) {
      expect(parseDateInput(bad), bad).toBeNull();
    }
    expect(parseDateInput('2026-01-01T10:00:00+08:00')!.toISOString()).toBe('2026-01-01T02:00:00.000Z');
  });
});

describe('names', () => {
  it('accepts login handles like zhang.wei and refuses anything else', () => {
    for (const ok of ['zhang.wei', 'li_an', 'wang-fang2', 'ab']) expect(isLoginHandle(ok), ok).toBe(true);
    for (const bad of ['Zhang.wei', 'zhang..wei', '.zhang', 'zhang.', '1zhang', 'z', 'zhang wei', 'zhang\nwei', '张伟', 'a'.repeat(65), 'status.person.active', 'detail.parse', 'what.person']) expect(isLoginHandle(bad), bad).toBe(false);
    fc.assert(fc.property(fc.string(), (s) => {
      if (isLoginHandle(s)) expect(s).toMatch(/^[a-z][a-z0-9._-]*[a-z0-9]$/);
    }));
  });

  it('slugs are lowercase words joined by hyphens', () => {
    expect(isSlug('weibo-press')).toBe(true);
    expect(isSlug('weibo--press')).toBe(false);
    expect(isSlug('-weibo')).toBe(false);
  });

  it('display names may be Chinese but not padded or hold control characters', () => {
    expect(isDisplayName('沈阳市网信办')).toBe(true);
    expect(isDisplayName(' 宣传科')).toBe(false);
    expect(isDisplayName('a\u0007b')).toBe(false);
    for (const bad of ['宣传\u202e科', '宣传\u200b科', 'a\u009bb', 'a\u2028b', 'a\u2066b']) expect(isDisplayName(bad), JSON.stringify(bad)).toBe(false);
  });
});

describe('passphrase rules', () => {
  const common = parseCommonList('# comment\npassword1234\n');
  it('refuses short, common and login-equal passphrases', () => {
    expect(checkPassphrase(Secret.fromString('short'), 'li.an', 12, common)).toMatchObject({ ok: false, reason: 'too-short' });
    expect(checkPassphrase(Secret.fromString('PASSWORD1234'), 'li.an', 12, common)).toMatchObject({ ok: false, reason: 'common' });
    expect(checkPassphrase(Secret.fromString('zhang.wei.abc'), 'zhang.wei.abc', 12, common)).toMatchObject({ ok: false, reason: 'equals-login' });
    expect(checkPassphrase(Secret.fromString('长城长城长城长城长城长城'), 'li.an', 12, common)).toEqual({ ok: true });
  });
});

describe('Secret', () => {
  it('never prints its value', () => {
    const s = Secret.fromString('hunter2-hunter2');
    expect(String(s)).toBe('(elided)');
    expect(JSON.stringify({ s })).toBe('{"s":"(elided)"}');
    expect(inspect({ s })).not.toContain('hunter2');
    expect(`${s}`).toBe('(elided)');
    expect(s.revealString()).toBe('hunter2-hunter2');
  });
});

describe('text for a terminal', () => {
  it('shows every control and format character escaped, and leaves other text alone', () => {
    expect(escapeControls('\x1b[2J\x07\r\n\t\b\x7f\x9b\u202e\u200b\ufeff\u{e0001}')).toBe('\\x1b[2J\\x07\\r\\n\\t\\x08\\x7f\\x9b\\u202e\\u200b\\ufeff\\u{e0001}');
    expect(escapeControls('沈阳发布 zhang.wei C:\\x 😀')).toBe('沈阳发布 zhang.wei C:\\x 😀');
    expect(escapeForTerminal('a\x1b[1A\nb\tc\r')).toBe('a\\x1b[1A\nb\tc\\r');
    expect(shown`actor=${'x\ny'} n=${3}`).toBe('actor=x\\ny n=3');
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(escapeControls(s)).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
      expect(escapeForTerminal(s)).not.toMatch(/(?![\n\t])[\p{Cc}\p{Cf}\u2028\u2029]/u);
    }));
  });
});
