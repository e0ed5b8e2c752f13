/**
 * KeePassXC's CSV export. Header per KeePassXC's src/format/CsvExporter.cpp:
 * "Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created";
 * exports from before 2.7 stop at "Notes". Every field is quoted; TOTP is an otpauth:// URI
 * (Entry::totpSettingsString) or empty. Columns are found by name.
 */
import { GmvError } from '../../errors.js';
import { readCsv } from './csv.js';
import { addEntry, isBlankRecord, mapHeader } from './entry.js';
import type { ImportReport } from './types.js';

const WHAT = 'what.keepassxcCsv';
const REQUIRED = ['Group', 'Title', 'Username', 'Password', 'URL', 'Notes'] as const;
const OPTIONAL = ['TOTP', 'Icon', 'Last Modified', 'Created'] as const;
/**
 * Entries KeePassXC keeps in its recycle bin are exported too; importing deleted credentials would
 * resurrect them. The bin is a direct child of the root group, named in the language the database
 * was created in (English, or 回收站 from a Chinese KeePassXC): best effort, by name.
 */
const RECYCLE_BIN = /^[^/]*\/(?:Recycle Bin|回收站)(?:\/.*)?$/su;

/**
 * Read KeePassXC's CSV export, with or without the TOTP column. Throws INVALID_INPUT when the file
 * is empty, the header is not KeePassXC's, or a quoted field is never closed.
 */
export function parseKeepassxcCsv(text: string): ImportReport {
  const records = readCsv(text);
  const header = records[0];
  if (header === undefined) throw new GmvError('INVALID_INPUT', { what: WHAT, detail: 'detail.importEmpty' });
  if (header.malformed !== undefined) throw new GmvError('INVALID_INPUT', { what: WHAT, detail: 'detail.importHeaderMalformed', malformed: header.malformed.problem, field: header.malformed.field });
  const col = mapHeader(header.fields, REQUIRED, OPTIONAL, WHAT);
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
    if (RECYCLE_BIN.test(at(col.Group) ?? '')) {
      report.errors.push({ line, reason: 'detail.importSkippedRecycleBin' });
      continue;
    }
    addEntry(report, line, {
      name: at(col.Title),
      loginId: at(col.Username),
      password: at(col.Password),
      uri: at(col.URL),
      notes: at(col.Notes),
      totp: at(col.TOTP),
    });
  }
  return report;
}
