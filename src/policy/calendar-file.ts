/**
 * Calendar files (docs/calendar-files.md): one YAML per year, the State Council's holidays and
 * adjusted working days. Strict zod schema, then the checks a schema cannot say (dates inside the
 * year, no day listed twice, adjusted working days on weekends, agreement with the built-in data);
 * every problem is CALENDAR_INVALID with the line it is on.
 */
import type { Document, LineCounter } from 'yaml';
import { GmvError, type ErrorParams } from '../errors.js';
import { addDays, parseCivilDate, type CivilDate } from '../domain/dates.js';
import { classify, isWeekend, type CalendarSource } from '../domain/workdays.js';
import { schemaProblem, yamlBuildProblem, yamlProblem } from './yaml-problems.js';

/** A validated calendar file. */
export interface CalendarFile {
  year: number;
  /** The notice it transcribes, as the file names it. */
  notice: string | null;
  holidays: Map<string, string>;
  adjustedWorkdays: Map<string, string>;
}

type Path = readonly (string | number)[];

class Located {
  constructor(private readonly doc: Document, private readonly lines: LineCounter) {}

  /** The line of the node at `path`, else of its nearest ancestor present in the file. */
  line(path: Path): number {
    for (let n = path.length; n >= 0; n -= 1) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
      if (offset !== undefined) return this.lines.linePos(offset).line;
    }
    return 1;
  }
}

function invalid(source: string, line: number, detail: string, params: ErrorParams = {}): GmvError {
  return new GmvError('CALENDAR_INVALID', { ...params, source, line, detail });
}

/** The calendar a validated file describes, as a source covering its whole year. */
export function calendarSource(file: CalendarFile, name: string): CalendarSource {
  return {
    name, first: `${file.year}-01-01` as CivilDate, last: `${file.year}-12-31` as CivilDate,
    holidays: file.holidays, adjustedWorkdays: file.adjustedWorkdays,
  };
}

export interface ParseOptions {
  /** Names the file in errors (its path, or "recorded in the vault"). */
  source: string;
  /** The built-in data: where it covers the file's year, the file must agree with it day by day. */
  builtin?: CalendarSource;
  /** The year the file name promises (policies/calendars/2027.yaml), checked against `year:`. */
  expectYear?: number;
}

/**
 * Parse and validate a calendar file.
 * @throws GmvError CALENDAR_INVALID naming the line of the first problem.
 */
export async function parseCalendarFile(text: string, options: ParseOptions): Promise<CalendarFile> {
  const [{ parseDocument, LineCounter }, { z }] = await Promise.all([import('yaml'), import('zod')]);
  const { source } = options;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line ?? lineCounter.linePos(yamlError.pos[0]).line;
    const { key, params } = yamlProblem(yamlError);
    throw invalid(source, line, 'detail.calendarYaml', { ...params, reason: key });
  }
  const at = new Located(doc, lineCounter);
  const day = z.string();
  const name = z.string().trim().min(1).max(100);
  const schema = z.strictObject({
    year: z.number().int().min(1970).max(9999),
    notice: z.string().trim().min(1).max(500).optional(),
    holidays: z.array(z.strictObject({ name, from: day, to: day.optional() })).min(1),
    adjusted_workdays: z.array(z.strictObject({ date: day, name })).default([]),
  });
  let value: unknown;
  try {
    // Aliases are capped as for policy packs: a few hundred bytes of nested aliases expand to billions of nodes.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const { key, params } = yamlBuildProblem(error);
    throw invalid(source, 1, 'detail.calendarYaml', { ...params, reason: key });
  }
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path as Path;
    const { problem, params } = schemaProblem(issue as unknown as { code: string });
    throw invalid(source, at.line(path), 'detail.calendarSchema', { ...params, field: path.join('.') || '(file)', reason: problem });
  }
  const raw = parsed.data;
  if (options.expectYear !== undefined && raw.year !== options.expectYear) {
    throw invalid(source, at.line(['year']), 'detail.calendarFileName', { named: options.expectYear, year: raw.year });
  }

  const seenAt = new Map<string, number>();
  const civil = (value: string, path: Path): CivilDate => {
    const line = at.line(path);
    const date = parseCivilDate(value);
    if (!date) throw invalid(source, line, 'detail.calendarDate', { field: path.join('.'), value });
    if (Number(date.slice(0, 4)) !== raw.year) throw invalid(source, line, 'detail.calendarOutsideYear', { field: path.join('.'), value, year: raw.year });
    return date;
  };
  const claim = (date: CivilDate, line: number): void => {
    const other = seenAt.get(date);
    if (other !== undefined) throw invalid(source, line, 'detail.calendarTwice', { value: date, other });
    seenAt.set(date, line);
  };

  const holidays = new Map<string, string>();
  raw.holidays.forEach((h, i) => {
    const from = civil(h.from, ['holidays', i, 'from']);
    const to = h.to === undefined ? from : civil(h.to, ['holidays', i, 'to']);
    if (to < from) throw invalid(source, at.line(['holidays', i, 'to']), 'detail.calendarRange', { field: `holidays.${i}`, value: `${from} … ${to}` });
    for (let d = from; d <= to; d = addDays(d, 1)) {
      claim(d, at.line(['holidays', i]));
      holidays.set(d, h.name);
    }
  });
  const adjustedWorkdays = new Map<string, string>();
  raw.adjusted_workdays.forEach((w, i) => {
    const date = civil(w.date, ['adjusted_workdays', i, 'date']);
    const line = at.line(['adjusted_workdays', i]);
    if (!isWeekend(date)) throw invalid(source, line, 'detail.calendarWeekday', { value: date });
    claim(date, line);
    adjustedWorkdays.set(date, w.name);
  });
  const file: CalendarFile = { year: raw.year, notice: raw.notice ?? null, holidays, adjustedWorkdays };
  if (options.builtin) agreeWithBuiltin(file, options.builtin, source, (date) => seenAt.get(date) ?? at.line(['holidays']));
  return file;
}

/**
 * Where the built-in data covers the file's year, each day must be classified alike: a file never
 * silently contradicts the data gmv ships with (or is silently ignored for those days).
 */
function agreeWithBuiltin(file: CalendarFile, builtin: CalendarSource, source: string, lineOf: (date: string) => number): void {
  const mine = calendarSource(file, source);
  const first = mine.first > builtin.first ? mine.first : builtin.first;
  const last = mine.last < builtin.last ? mine.last : builtin.last;
  for (let d = first; d <= last; d = addDays(d, 1)) {
    const expected = classify(builtin, d).workday;
    if (classify(mine, d).workday !== expected) {
      throw invalid(source, lineOf(d), expected ? 'detail.calendarBuiltinWork' : 'detail.calendarBuiltinOff', { value: d, builtin: builtin.name });
    }
  }
}
