/**
 * Bitwarden's unencrypted exports (JSON and CSV), the most common source of existing credentials.
 * Formats per bitwarden.com/help/condition-bitwarden-import: the personal CSV header is
 * folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp;
 * an organization export has collections instead of folder,favorite; older exports lack reprompt.
 * Columns are therefore found by name. Only logins are imported; other items are reported as skipped.
 */
import { GmvError } from '../../errors.js';
import type { MessageKey } from '../../i18n/catalogue.js';
import { readCsv } from './csv.js';
import { addEntry, isBlankRecord, mapHeader, type RowReason } from './entry.js';
import type { ImportReport } from './types.js';

const JSON_WHAT = 'what.bitwardenJson';
const CSV_WHAT = 'what.bitwardenCsv';
const LOGIN_TYPE = 1;
const OTHER_TYPES: Readonly<Record<number, MessageKey>> = { 2: 'detail.importSkippedNote', 3: 'detail.importSkippedCard', 4: 'detail.importSkippedIdentity', 5: 'detail.importSkippedSshKey' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A text field of the JSON: absent and null are "not set"; anything else that is not a string is an error. */
function text(value: unknown, field: string): { value?: string } | RowReason {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') return { value };
  return { reason: 'detail.importRowNotText', params: { field } };
}

function firstUri(uris: unknown): { value?: string } | RowReason {
  if (uris === undefined || uris === null) return {};
  if (!Array.isArray(uris)) return { reason: 'detail.importRowUrisNotList' };
  for (const entry of uris) {
    if (!isRecord(entry)) return { reason: 'detail.importRowUriNotObject' };
    const uri = text(entry.uri, 'login.uris[].uri');
    if ('reason' in uri) return uri;
    if (uri.value !== undefined && uri.value.trim() !== '') return uri;
  }
  return {};
}

/**
 * Read Bitwarden's unencrypted JSON export (`{ items: [...] }`). `line` is the item's 1-based index
 * in `items`. Throws INVALID_INPUT when the text is not JSON, is an encrypted export or has no items list.
 */
export function parseBitwardenJson(json: string): ImportReport {
  let data: unknown;
  try {
    data = JSON.parse(json.startsWith('\uFEFF') ? json.slice(1) : json);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a password: never pass it on.
    throw new GmvError('INVALID_INPUT', { what: JSON_WHAT, detail: 'detail.importNotJson' });
  }
  if (!isRecord(data)) throw new GmvError('INVALID_INPUT', { what: JSON_WHAT, detail: 'detail.importNoItems' });
  if (data.encrypted === true) throw new GmvError('INVALID_INPUT', { what: JSON_WHAT, detail: 'detail.importEncrypted' });
  if (!Array.isArray(data.items)) throw new GmvError('INVALID_INPUT', { what: JSON_WHAT, detail: 'detail.importNoItems' });
  const report: ImportReport = { items: [], errors: [] };
  data.items.forEach((item: unknown, index: number) => {
    const line = index + 1;
    const fail = (why: RowReason) => report.errors.push({ line, ...why });
    if (!isRecord(item)) return void fail({ reason: 'detail.importRowNotObject' });
    if (item.type !== LOGIN_TYPE) {
      const kind = typeof item.type === 'number' ? OTHER_TYPES[item.type] : undefined;
      return void fail({ reason: kind ?? 'detail.importSkippedUnknown' });
    }
    const login = item.login ?? {};
    if (!isRecord(login)) return void fail({ reason: 'detail.importRowLoginNotObject' });
    const fields = {
      name: text(item.name, 'name'),
      notes: text(item.notes, 'notes'),
      loginId: text(login.username, 'login.username'),
      password: text(login.password, 'login.password'),
      totp: text(login.totp, 'login.totp'),
      uri: firstUri(login.uris),
    };
    const values: Record<string, string | undefined> = {};
    for (const [key, result] of Object.entries(fields)) {
      if ('reason' in result) return void fail(result);
      values[key] = result.value;
    }
    addEntry(report, line, values);
  });
  return report;
}

const CSV_REQUIRED = ['type', 'name', 'login_uri', 'login_username', 'login_password'] as const;
const CSV_OPTIONAL = ['notes', 'login_totp', 'folder', 'collections', 'favorite', 'fields', 'reprompt'] as const;

/**
 * Read Bitwarden's CSV export (personal or organization). `login_uri` may hold several URIs joined
 * by commas; the first is kept. Throws INVALID_INPUT when the file is empty, the header is not
 * Bitwarden's, or a quoted field is never closed.
 */
export function parseBitwardenCsv(text: string): ImportReport {
  const records = readCsv(text);
  const header = records[0];
  if (header === undefined) throw new GmvError('INVALID_INPUT', { what: CSV_WHAT, detail: 'detail.importEmpty' });
  if (header.malformed !== undefined) throw new GmvError('INVALID_INPUT', { what: CSV_WHAT, detail: 'detail.importHeaderMalformed', malformed: header.malformed.problem, field: header.malformed.field });
  const col = mapHeader(header.fields, CSV_REQUIRED, CSV_OPTIONAL, CSV_WHAT);
  const report: ImportReport = { items: [], errors: [] };
  for (const record of records.slice(1)) {
    const { line, fields } = record;
    if (record.malformed !== undefined) {
      report.errors.push({ line, reason: 'detail.importRowMalformedCsv', params: { malformed: record.malformed.problem, field: record.malformed.field } });
      continue;
    }
    if (isBlankRecord(fields)) continue;
    if (fields.length !== header.fields.length) {
      report.errors.push({ line, reason: 'detail.importRowFieldCount', params: { expected: header.fields.length, found: fields.length } });
      continue;
    }
    const at = (index: number | undefined) => (index === undefined ? undefined : fields[index]);
    const type = (at(col.type) ?? '').trim().toLowerCase();
    if (type === 'note') {
      report.errors.push({ line, reason: 'detail.importSkippedNote' });
      continue;
    }
    if (type !== 'login') {
      report.errors.push({ line, reason: 'detail.importRowUnknownType' });
      continue;
    }
    addEntry(report, line, {
      name: at(col.name),
      notes: at(col.notes),
      loginId: at(col.login_username),
      password: at(col.login_password),
      totp: at(col.login_totp),
      uri: at(col.login_uri)?.split(',')[0],
    });
  }
  return report;
}
