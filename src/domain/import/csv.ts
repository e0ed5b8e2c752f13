/**
 * A small RFC 4180 CSV reader for password-manager exports. Written here rather than pulled in so
 * that every record carries the physical line it starts on (what users see in an editor) and so
 * that a malformed record is reported, not silently repaired. Pure: no I/O.
 *
 * Accepted: quoted fields with commas, doubled quotes and line breaks; CRLF, LF or lone CR line
 * ends; a UTF-8 byte-order mark at the start; a missing final line end. Blank lines are skipped.
 */
import { GmvError } from '../../errors.js';

/** How the quoting of a record is malformed: a catalogue key and the 1-based field it is in. */
export interface CsvMalformed {
  problem: 'detail.csvTextAfterQuote' | 'detail.csvQuoteNotQuoted';
  field: number;
}

/** One record: its fields, the 1-based physical line it starts on, and what is wrong with it, if anything. */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when quoting inside the record is malformed; the fields are then unreliable. Never holds field text. */
  malformed?: CsvMalformed;
}

/**
 * Split CSV text into records. A malformed record (a stray quote in an unquoted field, text after a
 * closing quote) is returned with `malformed` set so the caller can report its line and go on; an
 * unterminated quoted field swallows the rest of the file, so it throws INVALID_INPUT at its line.
 */
export function readCsv(text: string): CsvRecord[] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const n = s.length;
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;

  /** Consume one line end at i (CRLF, LF or CR) if present. */
  const lineEnd = (): boolean => {
    const c = s[i];
    if (c === '\r') {
      i += s[i + 1] === '\n' ? 2 : 1;
    } else if (c === '\n') {
      i += 1;
    } else {
      return false;
    }
    line += 1;
    return true;
  };

  while (i < n) {
    if (lineEnd()) continue;
    const start = line;
    const fields: string[] = [];
    let malformed: CsvMalformed | undefined;
    for (;;) {
      let value = '';
      if (s[i] === '"') {
        const quoteLine = line;
        i += 1;
        for (;;) {
          if (i >= n) throw new GmvError('INVALID_INPUT', { what: 'what.csvFile', detail: 'detail.csvQuoteUnclosed', line: quoteLine });
          const c = s[i];
          if (c === '"') {
            if (s[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          const from = i;
          if (lineEnd()) {
            value += s.slice(from, i);
            continue;
          }
          value += c;
          i += 1;
        }
        if (i < n && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n') {
          malformed ??= { problem: 'detail.csvTextAfterQuote', field: fields.length + 1 };
          while (i < n && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n') {
            value += s[i];
            i += 1;
          }
        }
      } else {
        const from = i;
        while (i < n && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n') i += 1;
        value = s.slice(from, i);
        if (value.includes('"')) malformed ??= { problem: 'detail.csvQuoteNotQuoted', field: fields.length + 1 };
      }
      fields.push(value);
      if (s[i] === ',') {
        i += 1;
        continue;
      }
      lineEnd();
      break;
    }
    records.push(malformed === undefined ? { line: start, fields } : { line: start, fields, malformed });
  }
  return records;
}
