/**
 * The working-day calendar module and the calendar-file parser: known State Council dates, days no
 * source covers refused (never guessed), every file problem named with its line, and fast-check
 * properties of the parser and of add-workdays.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addDays, type CivilDate } from '../../src/domain/dates.js';
import { addWorkdays, dayInfo, isWeekend, isWorkday, type WorkCalendar } from '../../src/domain/workdays.js';
import { calendarSource, parseCalendarFile } from '../../src/policy/calendar-file.js';
import { builtinCalendar, shippedCalendars } from '../../src/policy/calendar-sources.js';
import { GmvError } from '../../src/errors.js';
import { CALENDAR_2027, CALENDAR_2027_BAD, CALENDAR_2027_BAD_LINE } from '../helpers/calendars.js';

const d = (s: string) => s as CivilDate;
const builtin = builtinCalendar();
const only: WorkCalendar = { sources: [builtin], builtin };

async function failure(promise: Promise<unknown>): Promise<GmvError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GmvError) return error;
    throw error;
  }
  throw new Error('expected a GmvError');
}

function unknownAt(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GmvError);
    expect((error as GmvError).code).toBe('CALENDAR_UNKNOWN');
    return String((error as GmvError).params.date);
  }
  throw new Error('expected CALENDAR_UNKNOWN');
}

describe('the built-in calendar (chinese-days data)', () => {
  it('ends on its last listed day, 2026-10-10 for chinese-days 1.5.7', () => {
    expect(builtin.first).toBe('2004-01-01');
    expect(builtin.last).toBe('2026-10-10');
    expect(builtin.name).toBe('chinese-days 1.5.7');
  });

  it('matches the State Council notices around National Day 2025 and in 2026', () => {
    expect(addWorkdays(only, d('2025-09-28'), 7)).toBe('2025-10-14');
    expect(dayInfo(only, d('2025-10-11'))).toMatchObject({ workday: true, kind: 'adjusted-workday', name: '国庆节' });
    expect(dayInfo(only, d('2025-09-28'))).toMatchObject({ workday: true, kind: 'adjusted-workday' });
    expect(dayInfo(only, d('2025-10-01'))).toMatchObject({ workday: false, kind: 'holiday', name: '国庆节' });
    expect(isWorkday(only, d('2025-10-08'))).toBe(false);
    expect(isWorkday(only, d('2025-10-12'))).toBe(false);
    expect(dayInfo(only, d('2025-10-13'))).toMatchObject({ workday: true, kind: 'workday', name: null });
    expect(addWorkdays(only, d('2025-09-30'), 3)).toBe('2025-10-11');
    expect(addWorkdays(only, d('2025-10-14'), -7)).toBe('2025-09-28');
    expect(addWorkdays(only, d('2025-10-01'), 0)).toBe('2025-10-01');
    // 2026 (notice of 2025-11-04): 2026-01-04 (Sunday) worked, Spring Festival 2026-02-15…23, 2026-10-10 (Saturday) worked.
    expect(isWorkday(only, d('2026-01-04'))).toBe(true);
    expect(isWorkday(only, d('2026-02-16'))).toBe(false);
    expect(isWorkday(only, d('2026-10-10'))).toBe(true);
  });

  it('refuses, never guesses, a day past its data or before it, also when a count reaches one', () => {
    expect(unknownAt(() => isWorkday(only, d('2026-10-11')))).toBe('2026-10-11');
    expect(unknownAt(() => isWorkday(only, d('2027-01-01')))).toBe('2027-01-01');
    expect(unknownAt(() => isWorkday(only, d('2003-12-31')))).toBe('2003-12-31');
    expect(unknownAt(() => addWorkdays(only, d('2026-09-30'), 4))).toBe('2026-10-11');
    expect(unknownAt(() => addWorkdays(only, d('2004-01-05'), -3))).toBe('2003-12-31');
    expect(addWorkdays(only, d('2026-09-30'), 3)).toBe('2026-10-10');
  });

  it('refuses a count that is not a bounded whole number', () => {
    expect(() => addWorkdays(only, d('2025-01-01'), 1.5)).toThrow(GmvError);
    expect(() => addWorkdays(only, d('2025-01-01'), 10_001)).toThrow(GmvError);
  });
});

describe('calendar files', () => {
  it('parse into a source for their whole year that takes over after the built-in data', async () => {
    const file = await parseCalendarFile(CALENDAR_2027, { source: '2027.yaml', builtin });
    expect(file.year).toBe(2027);
    expect(file.holidays.size).toBe(19);
    expect([...file.adjustedWorkdays.keys()]).toEqual(['2027-02-20', '2027-09-26', '2027-10-09']);
    const calendar: WorkCalendar = { sources: [builtin, calendarSource(file, '2027.yaml')], builtin };
    expect(dayInfo(calendar, d('2027-10-09'))).toMatchObject({ workday: true, kind: 'adjusted-workday', source: '2027.yaml' });
    expect(isWorkday(calendar, d('2027-01-01'))).toBe(false);
    expect(addWorkdays(calendar, d('2027-09-30'), 2)).toBe('2027-10-09');
    expect(isWorkday(calendar, d('2025-10-11'))).toBe(true);
    // The gap between the built-in data and 2027 stays unknown.
    expect(unknownAt(() => addWorkdays(calendar, d('2027-01-04'), -1))).toBe('2026-12-31');
  });

  const cases: [string, string, number, string][] = [
    ['an adjusted working day on a weekday', CALENDAR_2027_BAD, CALENDAR_2027_BAD_LINE, '2027-09-28 is a weekday'],
    ['a date outside the year', CALENDAR_2027.replace('to: 2027-01-03', 'to: 2028-01-03'), 7, 'holidays.0.to: 2028-01-03 is not in 2027'],
    ['an impossible day', CALENDAR_2027.replace('from: 2027-02-06', 'from: 2027-02-30'), 9, 'holidays.1.from: "2027-02-30" is not a real day'],
    ['a holiday ending before it starts', CALENDAR_2027.replace('to: 2027-02-14', 'to: 2027-02-01'), 10, 'ends before it starts'],
    ['a day listed twice', CALENDAR_2027.replace('to: 2027-01-03', 'to: 2027-02-06'), 8, '2027-02-06 is listed twice (also on line 5)'],
    ['a holiday that is also a working day', CALENDAR_2027.replace('date: 2027-09-26', 'date: 2027-10-02'), 17, '2027-10-02 is listed twice (also on line 11)'],
    ['an unknown key', CALENDAR_2027.replace('    name: 春节\n  - date: 2027-09-26', '    name: 春节\n    note: x\n  - date: 2027-09-26'), 15, 'adjusted_workdays.0: unknown key(s): note'],
    ['a wrong type', CALENDAR_2027.replace('year: 2027', 'year: "2027"'), 2, 'year:'],
    ['a missing field', CALENDAR_2027.replace('    from: 2027-10-01\n', ''), 11, 'holidays.2.from'],
    ['broken YAML', CALENDAR_2027.replace('  - name: 春节\n', '  - name: 春节\n   bad\n'), 9, 'not valid YAML'],
    ['a duplicate key', CALENDAR_2027.replace('year: 2027\n', 'year: 2027\nyear: 2027\n'), 3, 'not valid YAML'],
  ];
  it.each(cases)('refuses %s with its line', async (_name, text, line, detail) => {
    const error = await failure(parseCalendarFile(text, { source: '2027.yaml', builtin }));
    expect(error.code).toBe('CALENDAR_INVALID');
    expect(error.exitCode).toBe(11);
    expect(error.message).toContain(`2027.yaml:${line}: `);
    expect(error.message).toContain(detail);
    expect(error.localized('zh-CN')).toContain(`2027.yaml:${line}`);
  });

  it('must agree with the built-in data wherever that covers the year', async () => {
    // A 2025 file that forgets the adjusted Saturday 2025-10-11 contradicts the State Council's notice.
    const wrong = 'year: 2025\nholidays:\n  - name: 国庆节\n    from: 2025-10-01\n    to: 2025-10-08\n';
    const error = await failure(parseCalendarFile(wrong, { source: '2025.yaml', builtin }));
    expect(error.message).toContain('2025.yaml:');
    expect(error.message).toMatch(/2025-01-01 is a day off in the built-in calendar \(chinese-days 1\.5\.7\)/);
    // A 2026 file that transcribes the 2026 notice agrees, and covers the days after 2026-10-10.
    const days = (from: string, to: string) => ({ from, to });
    const notice2026 = stringify({
      year: 2026,
      holidays: [
        { name: '元旦', ...days('2026-01-01', '2026-01-03') }, { name: '春节', ...days('2026-02-15', '2026-02-23') },
        { name: '清明', ...days('2026-04-04', '2026-04-06') }, { name: '劳动节', ...days('2026-05-01', '2026-05-05') },
        { name: '端午', ...days('2026-06-19', '2026-06-21') }, { name: '中秋', ...days('2026-09-25', '2026-09-27') },
        { name: '国庆节', ...days('2026-10-01', '2026-10-07') },
      ],
      adjusted_workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'].map((date) => ({ date, name: 'x' })),
    });
    const file = await parseCalendarFile(notice2026, { source: '2026.yaml', builtin });
    const calendar: WorkCalendar = { sources: [builtin, calendarSource(file, '2026.yaml')], builtin };
    expect(dayInfo(calendar, d('2026-10-12'))).toMatchObject({ workday: true, source: '2026.yaml' });
  });

  it('are read from the shipped folder by file name, and a name that lies about the year is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gmv-cal-'));
    expect(await shippedCalendars(join(dir, 'none'))).toEqual([]);
    writeFileSync(join(dir, '2027.yaml'), CALENDAR_2027);
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const sources = await shippedCalendars(dir);
    expect(sources.map((s) => [s.name, s.first, s.last])).toEqual([['policies/calendars/2027.yaml', '2027-01-01', '2027-12-31']]);
    writeFileSync(join(dir, '2028.yaml'), CALENDAR_2027);
    const error = await failure(shippedCalendars(dir));
    expect(error.message).toContain('policies/calendars/2028.yaml:2: the file is named for 2028 but says year: 2027');
    // gmv ships the whole 2026 notice: chinese-days stops at 2026-10-10, the notice has nothing after it.
    const shipped = await shippedCalendars();
    expect(shipped.map((s) => [s.name, s.first, s.last])).toEqual([['policies/calendars/2026.yaml', '2026-01-01', '2026-12-31']]);
    expect(shipped[0]!.adjustedWorkdays.has('2026-10-10')).toBe(true);
    expect([...shipped[0]!.holidays.keys()].filter((d) => d > '2026-10-10')).toEqual([]);
  });
});

/** A random valid calendar of a year after the built-in data: disjoint holidays and weekend working days. */
const yearCalendar = fc.integer({ min: 2030, max: 2099 }).chain((year) => {
  const first = `${year}-01-01` as CivilDate;
  const length = addDays(first, 365).startsWith(String(year)) ? 366 : 365;
  return fc.uniqueArray(fc.integer({ min: 0, max: length - 1 }), { maxLength: 40 }).chain((offsets) => {
    const days = offsets.map((o) => addDays(first, o));
    const weekend = days.filter((x) => isWeekend(x));
    return fc.subarray(weekend).map((adjusted) => ({
      year,
      holidays: days.filter((x) => !adjusted.includes(x)),
      adjusted,
    }));
  });
}).filter((c) => c.holidays.length > 0);

describe('properties', () => {
  it('the parser reads back any valid calendar it is given, and names the line of a day moved out of the year', async () => {
    await fc.assert(fc.asyncProperty(yearCalendar, fc.nat(), async (c, pick) => {
      const doc = { year: c.year, holidays: c.holidays.map((from) => ({ name: '假日', from })), adjusted_workdays: c.adjusted.map((date) => ({ date, name: '调休' })) };
      const text = stringify(doc);
      const file = await parseCalendarFile(text, { source: 'p.yaml', builtin });
      expect([...file.holidays.keys()].sort()).toEqual([...c.holidays].sort());
      expect([...file.adjustedWorkdays.keys()].sort()).toEqual([...c.adjusted].sort());
      const i = pick % c.holidays.length;
      const moved = { ...doc, holidays: doc.holidays.map((h, j) => (j === i ? { ...h, from: `${c.year + 1}${h.from.slice(4)}` } : h)) };
      const movedText = stringify(moved);
      const error = await failure(parseCalendarFile(movedText, { source: 'p.yaml', builtin }));
      const line = movedText.split('\n').findIndex((l) => l.includes(`from: ${c.year + 1}-`)) + 1;
      expect(error.message).toContain(`p.yaml:${line}: holidays.${i}.from`);
    }), { numRuns: 60 });
  });

  const start = fc.integer({ min: 0, max: 365 * 20 }).map((o) => addDays(d('2004-06-01'), o));
  it('add-workdays lands on a working day, counts exactly N of them, and grows with N', () => {
    fc.assert(fc.property(start, fc.integer({ min: 1, max: 150 }), (from, n) => {
      const to = addWorkdays(only, from, n);
      expect(isWorkday(only, to)).toBe(true);
      let counted = 0;
      for (let x = addDays(from, 1); x <= to; x = addDays(x, 1)) if (isWorkday(only, x)) counted += 1;
      expect(counted).toBe(n);
      expect(addWorkdays(only, from, n + 1) > to).toBe(true);
      // Counting back the same number from a working day returns to it.
      if (isWorkday(only, from)) expect(addWorkdays(only, to, -n)).toBe(from);
    }), { numRuns: 200 });
  });
});
