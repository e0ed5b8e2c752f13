/**
 * gmv calendar: working days for deadlines (Art. 12, 14, 35). The calendar in force is chinese-days'
 * data where it reaches, then for each later year the latest calendar imported into the vault, else
 * the file shipped in policies/calendars/. Importing one is a security officer's change, audited.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { CivilDate } from '../domain/dates.js';
import { addWorkdays, dayInfo, type CalendarSource, type DayInfo, type WorkCalendar } from '../domain/workdays.js';
import { calendarSource, parseCalendarFile } from '../policy/calendar-file.js';
import { builtinCalendar, shippedCalendars } from '../policy/calendar-sources.js';
import { authorize, type Actor } from './access.js';
import { commitChange, type Vault } from './vault.js';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The latest import of each year, newest year last. */
async function importedRows(db: Kysely<DB>): Promise<{ year: number; content: string; sha256: string }[]> {
  const rows = await db.selectFrom('calendars').select(['id', 'year', 'content', 'sha256']).orderBy('id').execute();
  const latest = new Map<number, { year: number; content: string; sha256: string }>();
  for (const r of rows) latest.set(Number(r.year), { year: Number(r.year), content: r.content, sha256: r.sha256 });
  return [...latest.values()].sort((a, b) => a.year - b.year);
}

/** The calendar in force in this vault. */
export async function workCalendar(vault: Vault): Promise<WorkCalendar> {
  const builtin = builtinCalendar();
  const imported: CalendarSource[] = [];
  for (const row of await importedRows(vault.store.db)) {
    const name = `imported ${row.year} (sha256 ${row.sha256.slice(0, 12)})`;
    const file = await parseCalendarFile(row.content, { source: `calendar ${row.year} recorded in the vault`, builtin });
    imported.push(calendarSource(file, name));
  }
  // chinese-days first (a file must agree with it anyway), then an officer's import over the shipped file.
  return { sources: [builtin, ...imported, ...(await shippedCalendars())], builtin };
}

/** Whether `day` is a working day, and which source says so. */
export async function isWorkdayOn(vault: Vault, day: CivilDate): Promise<DayInfo> {
  return dayInfo(await workCalendar(vault), day);
}

export interface WorkdaysResult {
  from: CivilDate;
  workdays: number;
  date: CivilDate;
}

/** The day `n` working days after `from` (the count starts the day after). */
export async function addWorkdaysFrom(vault: Vault, from: CivilDate, n: number): Promise<WorkdaysResult> {
  return { from, workdays: n, date: addWorkdays(await workCalendar(vault), from, n) };
}

export interface ImportedCalendar {
  year: number;
  sha256: string;
  holidays: number;
  adjustedWorkdays: number;
  /** The SHA-256 of the import it replaces for that year, if any. */
  replaces: string | null;
}

/**
 * Import a calendar file (security officers only). The file is validated first, then stored with
 * its SHA-256 and the audit entry in one transaction; an invalid file stores nothing.
 */
export async function importCalendar(vault: Vault, actor: Actor, file: { path: string; text: string }): Promise<ImportedCalendar> {
  await authorize(vault, actor, 'calendar.import', file.path);
  const parsed = await parseCalendarFile(file.text, { source: basename(file.path), builtin: builtinCalendar() });
  const digest = sha256(file.text);
  return commitChange(vault, async (trx) => {
    const previous = await trx.selectFrom('calendars').select('sha256').where('year', '=', parsed.year).orderBy('id', 'desc').executeTakeFirst();
    await trx.insertInto('calendars').values({
      year: parsed.year, content: file.text, sha256: digest, imported_by: actor.login, imported_at: vault.now().toISOString(),
    }).execute();
    const result: ImportedCalendar = { year: parsed.year, sha256: digest, holidays: parsed.holidays.size, adjustedWorkdays: parsed.adjustedWorkdays.size, replaces: previous?.sha256 ?? null };
    return {
      result,
      audit: [{ action: 'calendar.import', actor: actor.login, subject: String(parsed.year), outcome: 'ok',
        details: { file: basename(file.path), sha256: digest, notice: parsed.notice, holidays: result.holidays, adjusted_workdays: result.adjustedWorkdays, replaces: result.replaces } }],
    };
  });
}
