import { describe, expect, it } from 'vitest';
import { render, pickLang, LANGS } from '../../src/i18n/catalogue.js';
import { ERROR_CODES, GmvError, exitCodeOf } from '../../src/errors.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  it('every error code has a message in each language with the same placeholders', () => {
    for (const code of ERROR_CODES) {
      const key = `error.${code}` as const;
      const [en, zh] = LANGS.map((lang) => render(key as never, {}, lang));
      expect(en, code).not.toMatch(/^error\./);
      expect(placeholders(zh!), code).toEqual(placeholders(en!));
      expect(zh, code).not.toBe(en === '{detail}' ? 'x' : en);
    }
  });

  it('chooses zh-CN from LANG or --lang, English otherwise', () => {
    expect(pickLang(undefined, { LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(pickLang('en', { LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(pickLang(undefined, { LANG: 'C.UTF-8' })).toBe('en');
    expect(pickLang(undefined, { LC_ALL: 'zh_TW', LANG: 'en_US' })).toBe('zh-CN');
  });

  it('errors carry their exit code and render in either language', () => {
    const e = new GmvError('STORE_BUSY', { detail: 'database is locked' });
    expect(e.exitCode).toBe(7);
    expect(e.message).toContain('retry');
    expect(e.localized('zh-CN')).toContain('重试');
    expect(exitCodeOf('AUDIT_TAMPERED')).toBe(6);
  });
});
