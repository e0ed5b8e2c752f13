/**
 * Civil dates in Asia/Shanghai, the one place "today", due dates and typed dates are computed.
 * China has kept UTC+8 all year since 1991 (no daylight saving), so a fixed offset is exact for every
 * date gmv handles, whatever the machine's time zone. The working-day calendar builds on these.
 */

/** One day in milliseconds (a civil day in China is always 24 hours long). */
export const DAY_MS = 86_400_000;
/** Asia/Shanghai's offset from UTC. */
export const CHINA_OFFSET_MS = 8 * 3_600_000;

/** A civil date in Asia/Shanghai, `YYYY-MM-DD`. Built only by the functions here. */
export type CivilDate = string & { readonly __civilDate: unique symbol };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const STAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** The civil date an instant falls on in China. */
export function civilDateOf(instant: Date): CivilDate {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10) as CivilDate;
}

/** `YYYY-MM-DD` of a real day (2026-02-30 is refused), else null. */
export function parseCivilDate(text: string): CivilDate | null {
  const m = DAY.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1970 || mo < 1 || mo > 12 || d < 1) return null;
  const utc = new Date(Date.UTC(y, mo - 1, d));
  return utc.getUTCFullYear() === y && utc.getUTCMonth() === mo - 1 && utc.getUTCDate() === d ? (text as CivilDate) : null;
}

/** The first instant of a civil day in China (00:00 +08:00). */
export function startOfDay(day: CivilDate): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_OFFSET_MS);
}

/** The first instant after a civil day (the next day's 00:00 +08:00): "until D" includes all of D. */
export function endOfDay(day: CivilDate): Date {
  return new Date(startOfDay(day).getTime() + DAY_MS);
}

export function addDays(day: CivilDate, days: number): CivilDate {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10) as CivilDate;
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: CivilDate, b: CivilDate): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: CivilDate): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** Add calendar months, clamping to the month's last day (2026-01-31 + 1 month = 2026-02-28). */
export function addMonths(day: CivilDate, months: number): CivilDate {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10) as CivilDate;
}

/** An instant in China time as ISO-8601 with its offset, to the second: `2026-12-31T23:59:30+08:00`. */
export function isoChinaTime(instant: Date): string {
  return `${new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** An instant as a person in China reads it: `2026-12-31 23:59`. */
export function formatChinaTime(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** What a user typed for a date flag: a civil day, or an exact instant (ISO-8601 with zone). */
export type DateInput = { kind: 'day'; day: CivilDate; at: Date } | { kind: 'instant'; at: Date };

/**
 * Parse a date or timestamp. A day means midnight at its start in China (`at`); impossible days are
 * refused in both forms (`2027-02-30T00:00Z` does not roll over into March). Null when invalid.
 */
export function parseDateOrInstant(value: string): DateInput | null {
  const day = parseCivilDate(value);
  if (day) return { kind: 'day', day, at: startOfDay(day) };
  const m = STAMP.exec(value);
  if (!m || !parseCivilDate(m[1]!)) return null;
  if (Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) return null;
  if (m[5] && (Number(m[6]) > 14 || Number(m[7]) > 59)) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : { kind: 'instant', at };
}

/** Parse an end date or timestamp to its instant: a day includes all of that day in China. Null when it is not one. */
export function parseUntilInput(value: string): Date | null {
  const parsed = parseDateOrInstant(value);
  if (!parsed) return null;
  return parsed.kind === 'day' ? new Date(endOfDay(parsed.day).getTime() - 1) : parsed.at;
}

/** Parse a date or timestamp to its instant (a day: its start in China); null when it is not one. */
export function parseDateInput(value: string): Date | null {
  return parseDateOrInstant(value)?.at ?? null;
}
