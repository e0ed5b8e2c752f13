/**
 * A SQLite backup spells its rows in SQL (src/store/snapshot.ts#steppedTableTuples): for any row it
 * must write exactly the text gmv's own formatter writes (`tupleSql`) — quotes, newlines, any
 * Unicode, a text holding NUL (which SQLite's quote() would cut), a blob, an integer kept in a
 * text column — and refuse what that formatter refuses (a word in an integer column).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tupleSql, type DumpColumn } from '../../src/domain/backup-dump.js';
import { sqliteReader } from '../../src/store/reader.js';
import { steppedTableTuples, type TableShape } from '../../src/store/snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'gmv-tuples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const columns: DumpColumn[] = [{ name: 'id', type: 'integer' }, { name: 'n', type: 'integer' }, { name: 'body', type: 'text' }, { name: 'note', type: 'text' }];
const shape: TableShape = { table: 't', columns, primaryKey: ['id'] };
const text = fc.oneof(fc.constant(null), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }),
  fc.constantFrom("'", "''", ';\n', "');\nDROP TABLE x;--", 'a\u0000b', '\u0000', 'NULL', '中文\r\n'), fc.integer(), fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)));
const integer = fc.oneof(fc.constant(null), fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.constantFrom('12', '-7'));

async function tuplesOf(path: string): Promise<string[]> {
  const database = new Database(path, { readonly: true });
  try {
    const reader = sqliteReader(database, path);
    return await reader.snapshot(async () => {
      const out: string[] = [];
      for await (const page of steppedTableTuples(reader, shape)) out.push(...page);
      return out;
    });
  } finally {
    database.close();
  }
}

describe('backup tuples spelled by SQLite', () => {
  it('are the text gmv\'s formatter writes, row for row, whatever the values', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(integer, text, text), { maxLength: 12 }), async (rows) => {
      const path = join(dir, `t${run++}.db`);
      const db = new Database(path);
      db.exec('create table t (id integer primary key, n integer, body text, note text)');
      const insert = db.prepare('insert into t (id, n, body, note) values (?, ?, ?, ?)');
      rows.forEach(([n, body, note], i) => insert.run(i + 1, n, body, note));
      // What the values read back as, formatted by the JavaScript writer (as the PostgreSQL path does).
      const expected = db.prepare('select id, n, body, note from t order by id').raw(true).all()
        .map((r) => tupleSql(columns, r.map((v, i) => v === null ? null : columns[i]!.type === 'integer' ? Number(v) : String(v))));
      db.close();
      expect(await tuplesOf(path)).toEqual(expected);
    }), { numRuns: 60 });
  });

  it('refuses a row the formatter refuses: a word in an integer column', async () => {
    const path = join(dir, 'bad.db');
    const db = new Database(path);
    db.exec("create table t (id integer primary key, n integer, body text, note text); insert into t values (1, 'seven', 'x', null)");
    db.close();
    await expect(tuplesOf(path)).rejects.toThrow(/backup: not an integer/);
  });
});
