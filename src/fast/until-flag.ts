/** The --until flag of the commands and of the grant add fast path; apart from args.ts so a reveal's fast path does not load dates and the catalogue. */
import { GmvError } from '../errors.js';
import { parseUntilInput } from '../domain/dates.js';

/**
 * An end given as a flag: a day includes all of that day in China (`--until 2026-12-31` lasts until
 * 2026-12-31 23:59:59.999 +08:00); a timestamp is taken as it is. USAGE (exit 2) for anything else.
 */
export function untilFlag(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const until = parseUntilInput(value);
  if (!until) throw new GmvError('USAGE', { detail: 'detail.untilForm', flag: name, value });
  return until;
}
