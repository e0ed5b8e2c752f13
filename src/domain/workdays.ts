/**
 * The working-day calendar of mainland China: public holidays and adjusted working days (调休) as the
 * State Council publishes them, over civil dates in Asia/Shanghai (domain/dates.ts). Pure: the sources
 * (chinese-days' data, calendar files, calendars imported into the vault) are read by services and
 * handed in. A day no source covers is never guessed: it is a CALENDAR_UNKNOWN error.
 */
import { GmvError } from '../errors.js';
import { addDays, weekday, type CivilDate } from './dates.js';

/** What one source knows, for every day from `first` to `last` (inclusive). */
export interface CalendarSource {
  /** Shown with answers: `chinese-days 1.5.7`, `policies/calendars/2027.yaml`, `imported 2027 (sha256 …)`. */
  name: string;
  first: CivilDate;
  last: CivilDate;
  /** Days off by decree (weekends inside a break included), with the holiday's name. */
  holidays: ReadonlyMap<string, string>;
  /** Saturdays and Sundays worked to make up for a break, with the holiday's name. */
  adjustedWorkdays: ReadonlyMap<string, string>;
}

/** Sources in order of precedence: the first that covers a day answers for it. */
export interface WorkCalendar {
  sources: readonly CalendarSource[];
  /** The built-in source (chinese-days), named in the CALENDAR_UNKNOWN message. */
  builtin: Pick<CalendarSource, 'first' | 'last'>;
}

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'adjusted-workday';

export interface DayInfo {
  date: CivilDate;
  workday: boolean;
  kind: DayKind;
  /** The holiday a day off or an adjusted working day belongs to. */
  name: string | null;
  source: string;
}

/** Largest |N| add-workdays accepts (about forty years of working days). */
export const MAX_WORKDAYS = 10_000;

export function isWeekend(day: CivilDate): boolean {
  const d = weekday(day);
  return d === 0 || d === 6;
}

/** How one source classifies a day it covers. */
export function classify(source: CalendarSource, day: CivilDate): Omit<DayInfo, 'date' | 'source'> {
  const holiday = source.holidays.get(day);
  if (holiday !== undefined) return { workday: false, kind: 'holiday', name: holiday };
  const adjusted = source.adjustedWorkdays.get(day);
  if (adjusted !== undefined) return { workday: true, kind: 'adjusted-workday', name: adjusted };
  return isWeekend(day) ? { workday: false, kind: 'weekend', name: null } : { workday: true, kind: 'workday', name: null };
}

/** The source that answers for a day, or null when none covers it. */
export function sourceFor(calendar: WorkCalendar, day: CivilDate): CalendarSource | null {
  return calendar.sources.find((s) => s.first <= day && day <= s.last) ?? null;
}

/**
 * Whether a day is a working day in China, and why.
 * @throws GmvError CALENDAR_UNKNOWN when no source covers the day.
 */
export function dayInfo(calendar: WorkCalendar, day: CivilDate): DayInfo {
  const source = sourceFor(calendar, day);
  if (!source) {
    throw new GmvError('CALENDAR_UNKNOWN', { date: day, year: day.slice(0, 4), first: calendar.builtin.first, last: calendar.builtin.last });
  }
  return { date: day, source: source.name, ...classify(source, day) };
}

export function isWorkday(calendar: WorkCalendar, day: CivilDate): boolean {
  return dayInfo(calendar, day).workday;
}

/**
 * The day `n` working days after `from` (before it when n is negative): `from` itself is not
 * counted, so a deadline "within 7 working days" of 2025-09-28 is 2025-10-14. n = 0 is `from`.
 * @throws GmvError CALENDAR_UNKNOWN when the count reaches a day no source covers.
 */
export function addWorkdays(calendar: WorkCalendar, from: CivilDate, n: number): CivilDate {
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_WORKDAYS) {
    throw new GmvError('USAGE', { detail: 'detail.workdaysRange', max: MAX_WORKDAYS });
  }
  const step = n < 0 ? -1 : 1;
  let day = from;
  for (let counted = 0; counted < Math.abs(n);) {
    day = addDays(day, step);
    if (dayInfo(calendar, day).workday) counted += 1;
  }
  return day;
}
