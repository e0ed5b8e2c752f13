/**
 * The plaintext of a gmv backup: portable SQL that the `sqlite3` shell and `psql` load as it is (so
 * a unit can read its vault with GnuPG alone on the day gmv is unavailable), written in a strict
 * form that gmv reads back with its own parser instead of executing it:
 *
 *   -- gmv backup …                       (a human line)
 *   -- gmv-header {json}                  format, vault, schema version, source dialect, time
 *   BEGIN;
 *   CREATE TABLE IF NOT EXISTS "t" ("a" bigint, "b" text, PRIMARY KEY ("a"));
 *   INSERT INTO "t" ("a","b") VALUES
 *   (1,'x'),
 *   (2,NULL);
 *   COMMIT;
 *   -- gmv-manifest {canonical json}      counts, audit tree, checkpoint, SHA-256 of all bytes above
 *   -- gmv-signature BASE64               detached OpenPGP signature over the manifest's JSON
 *
 * Values are NULL, integers, or '…' strings with '' for a quote (standard SQL, which PostgreSQL's
 * standard_conforming_strings and SQLite both read literally, newlines included).
 */

import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { render, type MessageKey } from '../i18n/catalogue.js';

export type DumpValue = string | number | null;
export type ColumnType = 'integer' | 'text';

export interface DumpColumn { name: string; type: ColumnType }

export type DumpEvent =
  | { kind: 'header'; json: string }
  | { kind: 'table'; table: string; columns: DumpColumn[]; primaryKey: string[] }
  | { kind: 'rows'; table: string; columns: string[]; rows: DumpValue[][] }
  | { kind: 'manifest'; json: string; offset: number }
  | { kind: 'signature'; base64: string };

export const DUMP_MARKERS = { header: '-- gmv-header ', manifest: '-- gmv-manifest ', signature: '-- gmv-signature ' } as const;

const IDENT = /^[a-z_][a-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`backup: not a gmv identifier: ${name}`);
  return `"${name}"`;
}

export function sqlLiteral(value: DumpValue, type: ColumnType): string {
  if (value === null) return 'NULL';
  if (type === 'integer') {
    // A safe integer prints as plain digits; anything else is checked as text.
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    const text = String(value);
    if (!/^-?\d+$/.test(text)) throw new Error(`backup: not an integer: ${text.slice(0, 40)}`);
    return text;
  }
  return `'${String(value).replaceAll("'", "''")}'`;
}

export function headerLines(headerJson: string): string {
  return `-- gmv backup (govmedia-vault). Decrypted, this is SQL that sqlite3 and psql load as it is; see docs/RECOVERY.md.\n${DUMP_MARKERS.header}${headerJson}\nBEGIN;\n`;
}

export function createTableSql(table: string, columns: DumpColumn[], primaryKey: string[]): string {
  const cols = columns.map((c) => `${ident(c.name)} ${c.type === 'integer' ? 'bigint' : 'text'}`);
  const pk = primaryKey.length ? `, PRIMARY KEY (${primaryKey.map(ident).join(', ')})` : '';
  return `CREATE TABLE IF NOT EXISTS ${ident(table)} (${cols.join(', ')}${pk});\n`;
}

export function insertSql(table: string, columns: DumpColumn[], rows: readonly (readonly DumpValue[])[]): string {
  if (rows.length === 0) return '';
  const types = columns.map((c) => c.type);
  // Built by appending (a backup writes millions of values): a text value without a quote, the
  // usual case, is copied as it is; sqlLiteral decides everything else.
  let out = `INSERT INTO ${ident(table)} (${columns.map((c) => ident(c.name)).join(',')}) VALUES\n`;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    out += r === 0 ? '(' : ',\n(';
    for (let i = 0; i < types.length; i++) {
      if (i > 0) out += ',';
      const value = row[i]!;
      out += types[i] === 'text' && typeof value === 'string' && !value.includes("'") ? `'${value}'` : sqlLiteral(value ?? null, types[i]!);
    }
    out += ')';
  }
  return `${out};\n`;
}

export const FOOTER_SQL = 'COMMIT;\n';

/**
 * What is wrong with a dump, as a catalogue key (detail.dump*) and its parameters, so that the
 * refusal of the backup is worded in the reader's language; `message` is the English, for debugging.
 */
export class DumpSyntaxError extends Error {
  constructor(readonly detail: MessageKey, readonly params: Record<string, string | number> = {}) {
    super(render(detail, params, 'en'));
    this.name = 'DumpSyntaxError';
  }
}

const QUOTE = 0x27;
const SEMICOLON = 0x3b;
const NEWLINE = 0x0a;
/** A statement never grows without bound: gmv writes at most a few MiB per INSERT. */
const MAX_PENDING = 256 * 1024 * 1024;

/**
 * Reads a dump in chunks of bytes and returns its events. Strict: anything gmv would not have
 * written is a DumpSyntaxError, so a backup that was edited by hand is refused, never half-read.
 * `offset` of the manifest is the number of bytes before its line (what the manifest's SHA-256
 * covers); text that is not UTF-8 is a TypeError of the decoder.
 *
 * It works on the bytes: the quote, ';' and newline that delimit statements are ASCII, and no byte
 * of a multi-byte UTF-8 character is ASCII, so they are found with indexOf over the raw chunks, a
 * statement is joined and decoded once, and the hash reads the bytes as they came.
 */
export class DumpParser {
  /** Bytes received and not yet consumed, in order. */
  #chunks: Uint8Array[] = [];
  #pending = 0;
  #bytes = 0;
  readonly #hash: Hash = createHash('sha256');
  #hashing = true;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  /** Where the statement scan stands: bytes of #chunks already scanned, and the state there. */
  #scanned = 0;
  /** The first chunk the scan has not finished, and the offset it starts at. */
  #scanChunk = 0;
  #scanBase = 0;
  #quoted = false;
  #afterSemicolon = false;
  #contentSha256: string | null = null;
  #state: 'start' | 'header' | 'body' | 'committed' | 'manifest' | 'signed' = 'start';
  readonly #tables = new Map<string, DumpColumn[]>();

  /** Feed the next piece of the plaintext; returns the events it completed. */
  push(data: Uint8Array): DumpEvent[] {
    if (data.length > 0) {
      this.#chunks.push(data);
      this.#pending += data.length;
    }
    const events: DumpEvent[] = [];
    for (;;) {
      const event = this.#next();
      if (event === null) break;
      if (event !== 'skip') events.push(event);
    }
    if (this.#pending > MAX_PENDING) throw new DumpSyntaxError('detail.dumpStatementTooLong');
    return events;
  }

  /** Lower-case hex SHA-256 of every byte before the manifest line (known once it was reached). */
  get contentSha256(): string | null {
    return this.#contentSha256;
  }

  /** Call at the end of the input: a dump must end with its signature line. */
  end(): void {
    for (const chunk of this.#chunks) {
      for (const byte of chunk) if (byte !== 0x20 && byte !== 0x09 && byte !== NEWLINE && byte !== 0x0d) throw new DumpSyntaxError('detail.dumpEndsInStatement');
    }
    if (this.#state !== 'signed') throw new DumpSyntaxError('detail.dumpEndsBeforeSignature');
  }

  /**
   * Offset (in the pending bytes) of the ';' that ends the first statement (followed by '\n',
   * outside quotes), or -1. The scan resumes where the last push left it, so a long INSERT arriving
   * in many chunks is read once; inside a chunk it jumps from quote to quote.
   */
  #statementEnd(): number {
    for (; this.#scanChunk < this.#chunks.length; this.#scanChunk++) {
      const chunk = this.#chunks[this.#scanChunk]!;
      const base = this.#scanBase;
      const end = base + chunk.length;
      let i = this.#scanned - base;
      // The next ';' of this chunk at or after i, looked for again only once the scan passed it.
      let semicolon = -2;
      while (i < chunk.length) {
        if (this.#afterSemicolon) {
          this.#afterSemicolon = false;
          if (chunk[i] === NEWLINE) return base + i - 1;
        }
        if (this.#quoted) {
          // '' inside a string closes and reopens it: still inside, as SQL reads it.
          const quote = chunk.indexOf(QUOTE, i);
          if (quote < 0) {
            i = chunk.length;
            break;
          }
          this.#quoted = false;
          i = quote + 1;
          continue;
        }
        const quote = chunk.indexOf(QUOTE, i);
        if (semicolon !== -1 && semicolon < i) semicolon = chunk.indexOf(SEMICOLON, i);
        if (semicolon >= 0 && (quote < 0 || semicolon < quote)) {
          this.#afterSemicolon = true;
          i = semicolon + 1;
          continue;
        }
        if (quote < 0) {
          i = chunk.length;
          break;
        }
        this.#quoted = true;
        i = quote + 1;
      }
      this.#scanned = end;
      this.#scanBase = end;
    }
    return -1;
  }

  /** The first `length` pending bytes, consumed (hashed while the content lasts). */
  #take(length: number): Uint8Array {
    this.#scanned = 0;
    this.#scanChunk = 0;
    this.#scanBase = 0;
    this.#quoted = false;
    this.#afterSemicolon = false;
    const parts: Uint8Array[] = [];
    let left = length;
    while (left > 0) {
      const chunk = this.#chunks[0]!;
      if (chunk.length <= left) {
        parts.push(chunk);
        this.#chunks.shift();
        left -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, left));
        this.#chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    this.#pending -= length;
    this.#bytes += length;
    const taken = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    if (this.#hashing) this.#hash.update(taken);
    return taken;
  }

  /** The next line without its newline, consumed; null until a whole line arrived. */
  #line(): string | null {
    let base = 0;
    for (const chunk of this.#chunks) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl >= 0) return this.#decoder.decode(this.#take(base + nl + 1).subarray(0, -1));
      base += chunk.length;
    }
    return null;
  }

  #next(): DumpEvent | 'skip' | null {
    if (this.#pending === 0) return null;
    if (this.#state === 'start') {
      const line = this.#line();
      if (line === null) return null;
      if (!line.startsWith('-- gmv backup')) throw new DumpSyntaxError('detail.dumpNotBackup');
      this.#state = 'header';
      return 'skip';
    }
    if (this.#state === 'header') {
      const line = this.#line();
      if (line === null) return null;
      if (!line.startsWith(DUMP_MARKERS.header)) throw new DumpSyntaxError('detail.dumpHeaderMissing');
      this.#state = 'body';
      return { kind: 'header', json: line.slice(DUMP_MARKERS.header.length) };
    }
    if (this.#state === 'committed') {
      if (this.#hashing) {
        this.#hashing = false;
        this.#contentSha256 = this.#hash.digest('hex');
      }
      const offset = this.#bytes;
      const line = this.#line();
      if (line === null) return null;
      if (!line.startsWith(DUMP_MARKERS.manifest)) throw new DumpSyntaxError('detail.dumpManifestMissing');
      this.#state = 'manifest';
      return { kind: 'manifest', json: line.slice(DUMP_MARKERS.manifest.length), offset };
    }
    if (this.#state === 'manifest') {
      const line = this.#line();
      if (line === null) return null;
      if (!line.startsWith(DUMP_MARKERS.signature)) throw new DumpSyntaxError('detail.dumpSignatureMissing');
      this.#state = 'signed';
      return { kind: 'signature', base64: line.slice(DUMP_MARKERS.signature.length) };
    }
    if (this.#state === 'signed') throw new DumpSyntaxError('detail.dumpTextAfterSignature');
    const end = this.#statementEnd();
    if (end < 0) return null;
    return this.#statement(this.#decoder.decode(this.#take(end + 2).subarray(0, -2)));
  }

  #statement(text: string): DumpEvent | 'skip' {
    if (text === 'BEGIN') return 'skip';
    if (text === 'COMMIT') {
      this.#state = 'committed';
      return 'skip';
    }
    const create = /^CREATE TABLE IF NOT EXISTS "([a-z_][a-z0-9_]*)" \((.*?)(?:, PRIMARY KEY \(([^)]*)\))?\)$/s.exec(text);
    if (create) {
      const table = create[1]!;
      const columns = create[2]!.split(', ').map((part) => {
        const col = /^"([a-z_][a-z0-9_]*)" (bigint|text)$/.exec(part);
        if (!col) throw new DumpSyntaxError('detail.dumpTableDefinition', { table });
        return { name: col[1]!, type: col[2] === 'bigint' ? 'integer' as const : 'text' as const };
      });
      const primaryKey = create[3] ? create[3].split(', ').map(unquoteIdent) : [];
      if (this.#tables.has(table)) throw new DumpSyntaxError('detail.dumpTableTwice', { table });
      this.#tables.set(table, columns);
      return { kind: 'table', table, columns, primaryKey };
    }
    const insert = /^INSERT INTO "([a-z_][a-z0-9_]*)" \(([^)]*)\) VALUES\n/.exec(text);
    if (insert) {
      const table = insert[1]!;
      const defined = this.#tables.get(table);
      if (!defined) throw new DumpSyntaxError('detail.dumpRowsBeforeTable', { table });
      const columns = insert[2]!.split(',').map((c) => unquoteIdent(c));
      if (columns.join(',') !== defined.map((c) => c.name).join(',')) throw new DumpSyntaxError('detail.dumpColumns', { table });
      const rows = parseValues(text.slice(insert[0].length), defined);
      return { kind: 'rows', table, columns, rows };
    }
    throw new DumpSyntaxError('detail.dumpStatement', { statement: text.slice(0, 60) });
  }
}

function unquoteIdent(text: string): string {
  const m = /^"([a-z_][a-z0-9_]*)"$/.exec(text.trim());
  if (!m) throw new DumpSyntaxError('detail.dumpIdentifier', { identifier: text.slice(0, 40) });
  return m[1]!;
}

/** `(v,v,…),\n(v,…)` with exactly the defined columns per row. */
function parseValues(text: string, columns: DumpColumn[]): DumpValue[][] {
  const rows: DumpValue[][] = [];
  let i = 0;
  const fail = (problem: MessageKey, params: Record<string, string> = {}): never => {
    throw new DumpSyntaxError('detail.dumpAtRow', { ...params, problem, row: rows.length + 1 });
  };
  for (;;) {
    if (text[i] !== '(') fail('detail.dumpRowExpected');
    i++;
    const row: DumpValue[] = [];
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) {
        if (text[i] !== ',') fail('detail.dumpCommaExpected');
        i++;
      }
      if (text[i] === "'") {
        let value = '';
        i++;
        for (;;) {
          const q = text.indexOf("'", i);
          if (q < 0) fail('detail.dumpUnterminatedString');
          value += text.slice(i, q);
          if (text[q + 1] === "'") {
            value += "'";
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        if (columns[c]!.type !== 'text') fail('detail.dumpStringInInteger', { column: columns[c]!.name });
        row.push(value);
      } else if (text.startsWith('NULL', i)) {
        row.push(null);
        i += 4;
      } else {
        const m = /^-?\d+/.exec(text.slice(i, i + 24));
        if (!m) fail('detail.dumpUnreadableValue');
        if (columns[c]!.type !== 'integer') fail('detail.dumpNumberInText', { column: columns[c]!.name });
        const n = Number(m![0]);
        if (!Number.isSafeInteger(n)) fail('detail.dumpIntegerRange');
        row.push(n);
        i += m![0].length;
      }
    }
    if (text[i] !== ')') fail('detail.dumpRowEndExpected');
    i++;
    rows.push(row);
    if (i === text.length) return rows;
    if (text[i] !== ',' || text[i + 1] !== '\n') fail('detail.dumpNextRowExpected');
    i += 2;
  }
}

export const BACKUP_FORMAT = 'gmv-backup/1';

/** What the signature vouches for: canonical JSON, the whole of the manifest line's JSON. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  vault: string;
  schema_version: number;
  dialect: 'sqlite' | 'postgres';
  created_at: string;
  created_by: string;
  /** The key that signed: a person's (an officer in a session) or a terminal's device key. */
  signer: { kind: 'person' | 'device'; fingerprint: string; login: string | null; device: string | null };
  /** Fingerprints the backup is encrypted to (recovery keys, security officers). */
  recipients: string[];
  tables: Record<string, number>;
  audit: { size: number; root: string; checkpoint: { size: number; root: string; signed_at: string } | null };
  /** SHA-256 (hex) of every byte of the plaintext before the manifest line. */
  content_sha256: string;
}

/** The manifest when `text` is one of `vault` in canonical form, else null. */
export function parseManifest(text: string, vault?: string): BackupManifest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const m = value as Partial<BackupManifest> | null;
  if (!m || m.format !== BACKUP_FORMAT || typeof m.vault !== 'string' || (vault !== undefined && m.vault !== vault)) return null;
  if (typeof m.content_sha256 !== 'string' || !m.signer || !m.audit || !m.tables || !Array.isArray(m.recipients)) return null;
  try {
    return canonicalJson(m) === text ? m as BackupManifest : null;
  } catch {
    return null;
  }
}

/** Whether `data` is a backup manifest of `vault` (what a session agent may sign). */
export function isBackupManifestOf(data: Uint8Array, vault: string): boolean {
  const text = Buffer.from(data).toString('utf8');
  return Buffer.from(text, 'utf8').equals(Buffer.from(data)) && parseManifest(text, vault) !== null;
}
