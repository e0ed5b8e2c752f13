/**
 * Where working-day data comes from besides the vault: the chinese-days package (2004 up to its last
 * listed day) and the calendar files shipped in policies/calendars/YYYY.yaml.
 * chinese-days' functions read a `YYYY-MM-DD` string as a local-time Date, so under a time zone west
 * of UTC they answer for the day before; its data file is keyed by the civil date itself, so gmv reads
 * that instead and never depends on the machine's zone.
 */
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedFile } from '../package-root.js';
import type { CivilDate } from '../domain/dates.js';
import type { CalendarSource } from '../domain/workdays.js';
import { calendarSource, parseCalendarFile } from './calendar-file.js';

interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/** chinese-days' value is `English name,中文名,days`: keep the Chinese name, as the notices write it. */
function holidayName(value: string): string {
  const parts = value.split(',');
  return parts[1]?.trim() || parts[0]!.trim();
}

let builtin: CalendarSource | undefined;

/** The chinese-days data as a source: from its first year's 1 January to the last day it lists. */
export function builtinCalendar(): CalendarSource {
  if (builtin) return builtin;
  const require = createRequire(import.meta.url);
  const data = require('chinese-days/dist/chinese-days.json') as ChineseDaysData;
  const { version } = require('chinese-days/package.json') as { version: string };
  const days = [...Object.keys(data.holidays), ...Object.keys(data.workdays)].sort();
  builtin = {
    name: `chinese-days ${version}`,
    first: `${days[0]!.slice(0, 4)}-01-01` as CivilDate,
    last: days.at(-1)! as CivilDate,
    holidays: new Map(Object.entries(data.holidays).map(([d, v]) => [d, holidayName(v)])),
    adjustedWorkdays: new Map(Object.entries(data.workdays).map(([d, v]) => [d, holidayName(v)])),
  };
  return builtin;
}

const FILE_NAME = /^(\d{4})\.yaml$/;

/** Every calendar file in `dir` (default: the shipped policies/calendars/), validated, by year. */
export async function shippedCalendars(dir: string = shippedFile('policies', 'calendars')): Promise<CalendarSource[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const sources: CalendarSource[] = [];
  for (const name of names.filter((n) => FILE_NAME.test(n)).sort()) {
    const label = `policies/calendars/${name}`;
    const file = await parseCalendarFile(readFileSync(join(dir, name), 'utf8'), { source: label, builtin: builtinCalendar(), expectYear: Number(FILE_NAME.exec(name)![1]) });
    sources.push(calendarSource(file, label));
  }
  return sources;
}
