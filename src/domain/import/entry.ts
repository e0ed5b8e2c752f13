/**
 * Shared row handling for the importers: turn the raw text of one exported entry into an
 * ImportedItem or a reason, and map a CSV header to column positions. Pure: no I/O.
 */
import { GmvError, type ErrorParams } from '../../errors.js';
import type { MessageKey } from '../../i18n/catalogue.js';
import { parseTotpInput } from '../otpauth.js';
import { hasControlCharacters } from '../terminal-text.js';
import type { ImportedItem, ImportReport } from './types.js';

/** Why a row is refused: a catalogue key (detail.importRow*) and its parameters. */
export interface RowReason { reason: MessageKey; params?: ErrorParams }

/**
 * The reason for a TOTP the row holds that is not one: the TOTP parser's own detail (a catalogue
 * key or its text) with its parameters, or `fallback` when it gave none.
 */
export function badTotp(error: GmvError, fallback: MessageKey): RowReason {
  return { reason: 'detail.importRowBadTotp', params: { ...error.params, detail: error.params.detail ?? fallback } };
}

/** The raw text of one exported entry, before validation; absent and empty mean the same. */
export interface RawEntry {
  name?: string | undefined;
  loginId?: string | undefined;
  password?: string | undefined;
  totp?: string | undefined;
  notes?: string | undefined;
  uri?: string | undefined;
}

/** Longest item name accepted, matching the display names elsewhere in gmv. */
export const MAX_NAME_CHARS = 200;

/** Largest credential field kept, in UTF-8 bytes: the limit `gmv secret set` reads (INPUT_LIMITS.secretValue). */
export const MAX_FIELD_BYTES = 64 * 1024;

/** The stored field names as the reader's words (catalogue keys), the name itself beside them in Chinese. */
const FIELD_WORDS = { password: 'what.fieldPassword', login: 'what.fieldLogin', notes: 'what.fieldNotes' } as const;

/** The first of a row's credential fields over MAX_FIELD_BYTES, by the field name gmv stores it under. */
function oversizedField(fields: Record<'password' | 'login' | 'notes', string | undefined>): string | undefined {
  return Object.entries(fields).find(([, value]) => value !== undefined && Buffer.byteLength(value, 'utf8') > MAX_FIELD_BYTES)?.[0];
}


/**
 * Validate and normalize one entry: name required (trimmed, no control characters), login and URI
 * trimmed, password kept byte for byte, TOTP parsed. Returns the item, or the reason it was refused.
 */
export function normalizeEntry(line: number, raw: RawEntry): { item: ImportedItem } | RowReason {
  const name = raw.name?.trim() ?? '';
  if (name === '') return { reason: 'detail.importRowNoName' };
  if (hasControlCharacters(name)) return { reason: 'detail.importRowNameControl' };
  if ([...name].length > MAX_NAME_CHARS) return { reason: 'detail.importRowNameLong', params: { max: MAX_NAME_CHARS } };
  const loginId = raw.loginId?.trim() ?? '';
  if (hasControlCharacters(loginId)) return { reason: 'detail.importRowLoginControl' };
  const uri = raw.uri?.trim() ?? '';
  if (hasControlCharacters(uri)) return { reason: 'detail.importRowUrlControl' };
  const oversized = oversizedField({ password: raw.password, login: loginId, notes: raw.notes });
  if (oversized !== undefined) return { reason: 'detail.importRowFieldLong', params: { field: FIELD_WORDS[oversized as keyof typeof FIELD_WORDS], max: '64 KiB' } };
  const item: ImportedItem = { line, name };
  if (loginId !== '') item.loginId = loginId;
  if (raw.password !== undefined && raw.password !== '') item.password = raw.password;
  const totp = raw.totp?.trim() ?? '';
  if (totp !== '') {
    try {
      item.totp = parseTotpInput(totp);
    } catch (error) {
      if (error instanceof GmvError) return badTotp(error, 'detail.importNotTotpSeed');
      throw error;
    }
  }
  if (raw.notes !== undefined && raw.notes.trim() !== '') item.notes = raw.notes;
  if (uri !== '') item.uri = uri;
  return { item };
}

/** Append one entry's outcome to a report. */
export function addEntry(report: ImportReport, line: number, raw: RawEntry): void {
  const result = normalizeEntry(line, raw);
  if ('item' in result) report.items.push(result.item);
  else report.errors.push({ line, ...result });
}

/**
 * Column positions by name (case-insensitive, trimmed). Throws INVALID_INPUT when a required column
 * is missing or a name repeats: the file is then not the export it claims to be.
 */
export function mapHeader<R extends string, O extends string>(header: string[], required: readonly R[], optional: readonly O[], what: MessageKey): Record<R, number> & Partial<Record<O, number>> {
  const known = new Map<string, string>([...required, ...optional].map((name) => [name.toLowerCase(), name]));
  const positions = new Map<string, number>();
  header.forEach((cell, index) => {
    const key = cell.trim().toLowerCase();
    const name = known.get(key);
    if (name === undefined) return; // unknown columns are ignored and never echoed: a header-less file's first row is data
    if (positions.has(key)) throw new GmvError('INVALID_INPUT', { what, detail: 'detail.importColumnTwice', column: name });
    positions.set(key, index);
  });
  const columns: Record<string, number> = {};
  for (const name of required) {
    const index = positions.get(name.toLowerCase());
    if (index === undefined) throw new GmvError('INVALID_INPUT', { what, detail: 'detail.importColumnMissing', column: name, expected: required.join(',') });
    columns[name] = index;
  }
  for (const name of optional) {
    const index = positions.get(name.toLowerCase());
    if (index !== undefined) columns[name] = index;
  }
  return columns as Record<R, number> & Partial<Record<O, number>>;
}

/** True for a record that is nothing but empty or blank fields (a spacer line some tools write). */
export function isBlankRecord(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim() === '');
}
