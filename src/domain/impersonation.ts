/**
 * Counterfeit-account cases (Art. 29), the pure parts: what a report may name (a web address, a
 * handle, a note), the case number, and the state of each step of the case's checklist run.
 */
import { GmvError } from '../errors.js';
import { hasControlCharacters } from './terminal-text.js';
import type { CivilDate } from './dates.js';

/** Longest address kept: browsers and platforms cut share links well below this. */
export const MAX_URL_LENGTH = 2048;
export const MAX_HANDLE_LENGTH = 200;
export const MAX_NOTE_LENGTH = 2000;

/**
 * The counterfeit's web address: http or https with a host, nothing else (no javascript:, file: or
 * data: that a reader might open), no user name or password in it (a secret would then sit in the
 * audit log), no spaces or control characters. Returns the address in its normalized form.
 */
export function counterfeitUrl(text: string): string {
  const refuse = (detail: string): never => { throw new GmvError('INVALID_INPUT', { what: 'detail.whatUrl', detail, url: text }); };
  if (text.length === 0 || text.length > MAX_URL_LENGTH) refuse('detail.urlLength');
  // WHATWG parsing silently drops tabs and newlines: refuse them before it sees them.
  if (hasControlCharacters(text) || /\s/u.test(text)) refuse('detail.urlSpaces');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('detail.urlUnparsable');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('detail.urlScheme');
  if (url.hostname === '') refuse('detail.urlUnparsable');
  // Error parameters are printed: this one must not carry the password it refuses.
  if (url.username !== '' || url.password !== '') throw new GmvError('INVALID_INPUT', { what: 'detail.whatUrl', detail: 'detail.urlCredentials' });
  return url.href;
}

/** Free text of a report (a handle, a note): trimmed, not empty, within `max`, no control characters. */
export function reportText(what: 'handle' | 'note', text: string, max: number): string {
  const detail = text.trim() !== text || text.length === 0 ? 'detail.textPadded' : text.length > max ? 'detail.textTooLong' : hasControlCharacters(text) ? 'detail.textControls' : null;
  if (detail) throw new GmvError('INVALID_INPUT', { what: what === 'handle' ? 'detail.whatHandle' : 'detail.whatNote', detail, max });
  return text;
}

/** IMP-2026-0001: the China year of the report and its number within that year. */
export function caseNumber(year: string, n: number): string {
  return `IMP-${year}-${String(n).padStart(4, '0')}`;
}

const CASE_NUMBER = /^IMP-(\d{4})-(\d{4,})$/;

/** The number within its year of a case number gmv wrote; null for anything else. */
export function caseSerial(caseNo: string): number | null {
  const m = CASE_NUMBER.exec(caseNo);
  return m ? Number(m[2]) : null;
}

/** A step of a case: recorded (done, failed, n/a), or still to do by the run's deadline. */
export type CaseStepState = 'done' | 'failed' | 'na' | 'due' | 'overdue' | 'unknown';

/**
 * The state of one step on `today`: a recorded step keeps its status; an open one is due until
 * the run's deadline and overdue after it; without a deadline (the calendar could not count it)
 * it is unknown, not guessed. A run already signed has nothing left to be late with.
 */
export function caseStepState(recorded: 'done' | 'failed' | 'na' | null, deadline: CivilDate | string | null, runOpen: boolean, today: CivilDate): CaseStepState {
  if (recorded) return recorded;
  if (deadline === null) return 'unknown';
  return runOpen && today > deadline ? 'overdue' : 'due';
}
