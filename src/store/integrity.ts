/**
 * The store's own consistency check, run by `gmv audit verify` before it reads the log: a damaged
 * page in an index or a table the log scan never touches must not pass as "verified". Read-only.
 */
import { GmvError } from '../errors.js';
import type { Reader } from './reader.js';

/**
 * One thing the store's check found: a line of SQLite's own check (the database's words), or a
 * PostgreSQL index that finds another number of rows than its table holds (gmv's words, said in the
 * reader's language when shown).
 */
export type StoreProblem = string | { table: string; rows: number; index: string; found: number };

/** What the store's check found; empty when the store is sound. */
export function storeProblems(reader: Reader): Promise<StoreProblem[]> {
  return reader.dialect === 'sqlite' ? sqliteProblems(reader) : postgresProblems(reader);
}

/**
 * VAULT_CORRUPT naming what the store's check found: SQLite's first lines as it said them, or the
 * first PostgreSQL index that disagrees with its table and the names of any others.
 */
export function corruptStore(location: string, problems: readonly StoreProblem[]): GmvError {
  const [first, ...others] = problems;
  if (first !== undefined && typeof first !== 'string') {
    const mismatch = { path: location, table: first.table, rows: first.rows, index: first.index, found: first.found };
    return new GmvError('VAULT_CORRUPT', others.length > 0
      ? { ...mismatch, detail: 'detail.storeIndexCountMore', more: others.length, others: others.map((p) => (typeof p === 'string' ? p : p.index)).join(', ') }
      : { ...mismatch, detail: 'detail.storeIndexCount' });
  }
  const said = problems.slice(0, 3).join('; ');
  return new GmvError('VAULT_CORRUPT', problems.length > 3
    ? { path: location, detail: 'detail.storeProblemsMore', problems: said, more: problems.length - 3 }
    : { path: location, detail: said });
}

/**
 * `quick_check`: every page, cell and record format, in linear time — what a bad sector or a torn
 * copy damages. (`integrity_check` also matches every index entry to its row, O(N log N): it doubled
 * the time of verifying 100,000 entries.)
 */
async function sqliteProblems(reader: Reader): Promise<StoreProblem[]> {
  const rows = await reader.rows('pragma quick_check');
  const lines = rows.map((row) => String(row[0]));
  return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
}

/**
 * PostgreSQL has no integrity_check: every table's row count through its heap must equal the count
 * through each of its indexes, and where the amcheck extension is installed (the verifier never
 * installs anything) every B-tree index is checked with it too.
 */
async function postgresProblems(reader: Reader): Promise<StoreProblem[]> {
  return reader.snapshot(async () => {
    const problems: StoreProblem[] = [];
    const indexes = await reader.rows(`select t.relname, i.relname, a.attname, am.amname
      from pg_index x
      join pg_class t on t.oid = x.indrelid
      join pg_class i on i.oid = x.indexrelid
      join pg_am am on am.oid = i.relam
      join pg_namespace n on n.oid = t.relnamespace
      join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
      where n.nspname = current_schema() and t.relkind = 'r' and x.indisvalid and x.indpred is null
      order by t.relname, i.relname`);
    const amcheck = (await reader.rows("select count(*) from pg_extension where extname = 'amcheck'"))[0]![0];
    const heap = new Map<string, number>();
    await reader.rows('set local enable_indexscan = off');
    await reader.rows('set local enable_indexonlyscan = off');
    await reader.rows('set local enable_bitmapscan = off');
    for (const table of new Set(indexes.map((row) => String(row[0])))) {
      heap.set(table, Number((await reader.rows(`select count(*) from ${quote(table)}`))[0]![0]));
    }
    await reader.rows('set local enable_seqscan = off');
    await reader.rows('set local enable_indexscan = on');
    await reader.rows('set local enable_indexonlyscan = on');
    for (const [table, index, column, method] of indexes.map((row) => row.map(String))) {
      // Ordered by the index's first column with sequential scans off, the count comes through an index.
      const viaIndex = Number((await reader.rows(`select count(*) from (select 1 from ${quote(table!)} order by ${quote(column!)}) s`))[0]![0]);
      if (viaIndex !== heap.get(table!)) problems.push({ table: table!, rows: heap.get(table!)!, index: index!, found: viaIndex });
      if (Number(amcheck) > 0 && method === 'btree') await reader.rows(`select bt_index_check(${literal(index!)}::regclass)`);
    }
    return problems;
  });
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(name: string): string {
  return `'${quote(name).replace(/'/g, "''")}'`;
}
