/**
 * Bulk reads and writes go in slices of a few hundred rows: one statement per slice instead of one
 * per row, well inside SQLite's (32,766) and PostgreSQL's (65,535) bound-parameter limits for rows
 * of a dozen columns.
 */
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import type { Dialect } from './migrations/index.js';

/** Rows (or keys in an `in (…)` list) per statement. */
export const ROWS_PER_STATEMENT = 500;

/** `items` in consecutive slices of at most `size`, in order. */
export function inBatches<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The dialect a Kysely instance or transaction speaks, told by how it writes a parameter: `$1` on
 * PostgreSQL, `?` on SQLite (through the public compile step, which runs nothing).
 */
export function dialectOf(db: Kysely<DB>): Dialect {
  return db.selectFrom('vault_meta').select('key').where('key', '=', '').compile().sql.includes('$1') ? 'postgres' : 'sqlite';
}

/** The PostgreSQL array type a column of values binds as (every column is text or an integer); null when every value is null. */
function arrayType(table: string, column: string, values: readonly unknown[]): 'text' | 'int8' | null {
  let type: 'text' | 'int8' | null = null;
  for (const value of values) {
    if (value === null) continue;
    const found = typeof value === 'string' ? 'text' : Number.isSafeInteger(value) ? 'int8' : null;
    if (found === null || (type !== null && found !== type)) throw new Error(`insertMany: ${table}.${column} holds ${typeof value} ${String(value).slice(0, 20)}`);
    type = found;
  }
  return type;
}

/**
 * Insert `rows` into `table`, {@link ROWS_PER_STATEMENT} per statement. SQLite gets a multi-row
 * VALUES. PostgreSQL gets one array parameter per column, unnested by the server (`insert … select
 * … from unnest($1::text[], …)`), instead of a parameter per value: a few to bind and parse per
 * statement rather than thousands, and no query-builder node per value. Every row names every
 * column (an `undefined` would mean the column's default on one store and null on the other); a
 * column that is null in every row of a statement is written as a plain `null`, which takes the
 * column's type.
 */
export async function insertMany<T extends keyof DB & string>(db: Kysely<DB>, table: T, rows: readonly Insertable<DB[T]>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  for (const row of rows) {
    const keys = Object.keys(row);
    if (keys.length !== columns.length || columns.some((c) => (row as Record<string, unknown>)[c] === undefined)) {
      throw new Error(`insertMany: every row of ${table} must give ${columns.join(', ')}, each (null for none)`);
    }
  }
  if (dialectOf(db) === 'sqlite') {
    for (const batch of inBatches(rows)) await db.insertInto(table).values(batch as never).execute();
    return;
  }
  for (const batch of inBatches(rows)) {
    const bound: { values: unknown[]; type: string }[] = [];
    const selected = columns.map((column) => {
      const values = batch.map((row) => (row as Record<string, unknown>)[column]);
      const type = arrayType(table, column, values);
      if (type === null) return sql`null`;
      bound.push({ values, type });
      return sql.ref(`u.c${bound.length}`);
    });
    const arrays = sql.join(bound.map(({ values, type }) => sql`${values}::${sql.raw(type)}[]`));
    const aliases = sql.join(bound.map((_, i) => sql.ref(`c${i + 1}`)));
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) select ${sql.join(selected)} from unnest(${arrays}) as u(${aliases})`.execute(db);
  }
}
