/** What a counterfeit report may name, its case numbers, and each case step's state against the deadline. */
import { domainToASCII } from 'node:url';
import { describe, expect, it } from 'vitest';
import { caseNumber, caseSerial, caseStepState, counterfeitUrl, reportText } from '../../src/domain/impersonation.js';
import type { CivilDate } from '../../src/domain/dates.js';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return error as { code: string; params: Record<string, string> };
  }
  throw new Error('not refused');
};

describe('a counterfeit report', () => {
  it('keeps http and https addresses, normalized', () => {
    expect(counterfeitUrl('https://weibo.com/u/7712345678')).toBe('https://weibo.com/u/7712345678');
    expect(counterfeitUrl('HTTP://WeiBo.COM/u/1')).toBe('http://weibo.com/u/1');
    // A Chinese domain is kept in its ASCII (punycode) form, the one a lookalike cannot hide in.
    expect(counterfeitUrl('https://沈阳发布.中国/x')).toBe(`https://${domainToASCII('沈阳发布.中国')}/x`);
    expect(domainToASCII('沈阳发布.中国')).toMatch(/^xn--[a-z0-9]+\.xn--fiqs8s$/);
  });

  it('refuses other schemes, credentials, spaces and control characters, without echoing a password', () => {
    for (const [url, detail] of [
      ['javascript:alert(1)', 'detail.urlScheme'], ['data:text/html,<b>x</b>', 'detail.urlScheme'], ['file:///etc/passwd', 'detail.urlScheme'],
      ['weibo.com/u/1', 'detail.urlUnparsable'], ['https://weibo.com/u/1 x', 'detail.urlSpaces'], ['https://weibo.com/\tu', 'detail.urlSpaces'],
      ['', 'detail.urlLength'], [`https://weibo.com/${'a'.repeat(2048)}`, 'detail.urlLength'],
    ] as const) {
      const e = refusal(() => counterfeitUrl(url));
      expect([e.code, e.params.detail], url).toEqual(['INVALID_INPUT', detail]);
    }
    const e = refusal(() => counterfeitUrl('https://admin:hunter2@weibo.com/'));
    expect(e.params.detail).toBe('detail.urlCredentials');
    expect(JSON.stringify(e.params)).not.toContain('hunter2');
  });

  it('takes handles and notes trimmed, bounded and free of control characters', () => {
    expect(reportText('handle', '沈阳发布官方', 200)).toBe('沈阳发布官方');
    expect(refusal(() => reportText('handle', ' x', 200)).params.detail).toBe('detail.textPadded');
    expect(refusal(() => reportText('note', 'x'.repeat(11), 10)).params.detail).toBe('detail.textTooLong');
    expect(refusal(() => reportText('note', 'a\u001b[2Jb', 200)).params.detail).toBe('detail.textControls');
  });

  it('numbers cases within their year', () => {
    expect(caseNumber('2026', 7)).toBe('IMP-2026-0007');
    expect(caseSerial('IMP-2026-0007')).toBe(7);
    expect(caseSerial('IMP-2026-12345')).toBe(12345);
    expect(caseSerial('R-0007')).toBeNull();
  });

  it('a step is due until the deadline, overdue after it while the run is open, unknown without a deadline', () => {
    const day = (d: string) => d as CivilDate;
    expect(caseStepState(null, '2026-12-04', true, day('2026-12-04'))).toBe('due');
    expect(caseStepState(null, '2026-12-04', true, day('2026-12-05'))).toBe('overdue');
    expect(caseStepState('na', '2026-12-04', true, day('2026-12-05'))).toBe('na');
    expect(caseStepState(null, null, true, day('2026-12-05'))).toBe('unknown');
    expect(caseStepState(null, '2026-12-04', false, day('2026-12-05'))).toBe('due');
  });
});
