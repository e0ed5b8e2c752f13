/**
 * What a backup reads and a restore writes, table by table, through plain SQL on one connection:
 * the catalogue of gmv's tables (columns, primary key, in an order where every table comes after
 * the tables its foreign keys name), pages of rows in primary-key order (so 100,000 audit entries
 * are never held at once), and batched inserts that keep the rows' own ids.
 */
import { sql, type Kysely } from 'kysely';
import type { ColumnType, DumpColumn, DumpValue } from '../domain/backup-dump.js';
import type { Dialect } from './migrations/index.js';
import type { Reader } from './reader.js';

export interface TableShape {
  table: string;
  columns: DumpColumn[];
  primaryKey: string[];
}

type Db = Kysely<any>;

function columnType(declared: string, table: string, column: string): ColumnType {
  const t = declared.toLowerCase();
  if (t === 'integer' || t === 'bigint' || t === 'smallint' || t === 'int') return 'integer';
  if (t === 'text' || t === 'character varying' || t === 'varchar') return 'text';
  throw new Error(`backup: column ${table}.${column} has a type gmv does not write (${declared})`);
}

/** gmv's tables in this database, each after the tables it references. */
export async function tableShapes(db: Db, dialect: Dialect): Promise<TableShape[]> {
  const shapes = new Map<string, TableShape>();
  const refs = new Map<string, Set<string>>();
  if (dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by rowid`.execute(db);
    for (const { name } of tables.rows) {
      const info = await sql<{ name: string; type: string; pk: number }>`select name, type, pk from pragma_table_info(${name}) order by cid`.execute(db);
      const fks = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${name})`.execute(db);
      shapes.set(name, {
        table: name,
        columns: info.rows.map((c) => ({ name: c.name, type: columnType(c.type, name, c.name) })),
        primaryKey: info.rows.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((c) => c.name),
      });
      refs.set(name, new Set(fks.rows.map((f) => f.table).filter((t) => t !== name)));
    }
  } else {
    const cols = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select c.table_name, c.column_name, c.data_type from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
      where c.table_schema = current_schema() order by c.table_name, c.ordinal_position`.execute(db);
    for (const c of cols.rows) {
      const shape = shapes.get(c.table_name) ?? { table: c.table_name, columns: [], primaryKey: [] };
      shape.columns.push({ name: c.column_name, type: columnType(c.data_type, c.table_name, c.column_name) });
      shapes.set(c.table_name, shape);
      if (!refs.has(c.table_name)) refs.set(c.table_name, new Set());
    }
    const pks = await sql<{ table_name: string; column_name: string }>`
      select k.table_name, k.column_name from information_schema.table_constraints tc
      join information_schema.key_column_usage k on k.constraint_name = tc.constraint_name and k.table_schema = tc.table_schema
      where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = current_schema() order by k.table_name, k.ordinal_position`.execute(db);
    for (const k of pks.rows) shapes.get(k.table_name)?.primaryKey.push(k.column_name);
    const fks = await sql<{ table_name: string; ref: string }>`
      select distinct src.relname as table_name, dst.relname as ref from pg_constraint con
      join pg_class src on src.oid = con.conrelid join pg_class dst on dst.oid = con.confrelid
      join pg_namespace n on n.oid = src.relnamespace
      where con.contype = 'f' and n.nspname = current_schema()`.execute(db);
    for (const f of fks.rows) if (f.ref !== f.table_name) refs.get(f.table_name)?.add(f.ref);
  }
  // Alphabetical among equals, so a SQLite and a PostgreSQL vault list their tables alike.
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  const pending = [...shapes.keys()].sort();
  while (pending.length > 0) {
    const index = pending.findIndex((t) => [...(refs.get(t) ?? [])].every((r) => placed.has(r) || !shapes.has(r)));
    if (index < 0) throw new Error(`backup: the foreign keys of ${pending.join(', ')} form a cycle`);
    const [table] = pending.splice(index, 1);
    placed.add(table!);
    ordered.push(shapes.get(table!)!);
  }
  return ordered;
}

const PAGE = 1000;

/** The rows of one table in primary-key order, a page at a time, as values in column order. */
export async function* tableRows(db: Db, shape: TableShape): AsyncGenerator<DumpValue[][]> {
  const cols = sql.join(shape.columns.map((c) => sql.ref(c.name)));
  const order = sql.join(shape.primaryKey.map((c) => sql.ref(c)));
  const keyed = shape.primaryKey.length === 1 ? shape.primaryKey[0]! : null;
  const keyIndex = keyed ? shape.columns.findIndex((c) => c.name === keyed) : -1;
  let last: DumpValue | undefined;
  let offset = 0;
  for (;;) {
    const where = keyed && last !== undefined ? sql`where ${sql.ref(keyed)} > ${last}` : sql``;
    const paging = keyed ? sql`limit ${PAGE}` : sql`limit ${PAGE} offset ${offset}`;
    const result = await sql<Record<string, unknown>>`select ${cols} from ${sql.table(shape.table)} ${where} order by ${order} ${paging}`.execute(db);
    const rows = result.rows.map((r) => shape.columns.map((c) => normalise(r[c.name], c.type)));
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    if (keyed) last = rows[rows.length - 1]![keyIndex];
    offset += rows.length;
  }
}

/**
 * {@link tableRows} through a SQLite connection's plain reader, inside the caller's transaction on
 * that connection: one statement stepped per table, rows as arrays, without a query builder's
 * object per row (most of what reading the audit log otherwise costs).
 */
export async function* steppedTableRows(reader: Reader, shape: TableShape): AsyncGenerator<DumpValue[][]> {
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const order = shape.primaryKey.length ? ` order by ${shape.primaryKey.map(quoted).join(', ')}` : '';
  const types = shape.columns.map((c) => c.type);
  const select = `select ${shape.columns.map((c) => quoted(c.name)).join(', ')} from ${quoted(shape.table)}`;
  const normalised = (page: unknown[][]) => {
    for (const row of page) for (let i = 0; i < types.length; i++) row[i] = normalise(row[i], types[i]!);
    return page as DumpValue[][];
  };
  // A table keyed by one integer column is read a page per statement after the last key (a page
  // read whole costs about two thirds of stepping its rows one by one); any other, stepped.
  const key = shape.primaryKey.length === 1 ? shape.columns.findIndex((c) => c.name === shape.primaryKey[0] && c.type === 'integer') : -1;
  if (key >= 0) {
    const name = quoted(shape.primaryKey[0]!);
    let page = await reader.rows(`${select}${order} limit ${PAGE}`, []);
    while (page.length > 0) {
      const last = page[page.length - 1]![key];
      yield normalised(page);
      if (page.length < PAGE) return;
      page = await reader.rows(`${select} where ${name} > ?${order} limit ${PAGE}`, [last]);
    }
    return;
  }
  for await (const page of reader.pages(`${select}${order}`, [], PAGE)) yield normalised(page);
}

function normalise(value: unknown, type: ColumnType): DumpValue {
  if (value === null || value === undefined) return null;
  // PostgreSQL returns bigint as a string; SQLite may hold an integer in a text column and vice versa.
  if (type === 'integer') return typeof value === 'number' ? value : Number(value);
  return typeof value === 'string' ? value : String(value);
}

/** Insert rows that keep their own ids (PostgreSQL's identity columns are told to take them). */
export async function insertRows(db: Db, dialect: Dialect, table: string, columns: string[], rows: readonly DumpValue[][], identity: boolean): Promise<void> {
  const perBatch = Math.max(1, Math.floor(30_000 / Math.max(1, columns.length)));
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  const overriding = dialect === 'postgres' && identity ? sql`overriding system value` : sql``;
  for (let i = 0; i < rows.length; i += perBatch) {
    const values = sql.join(rows.slice(i, i + perBatch).map((row) => sql`(${sql.join(row.map((v) => sql`${v}`))})`));
    await sql`insert into ${sql.table(table)} (${cols}) ${overriding} values ${values}`.execute(db);
  }
}

/** Tables whose `id` PostgreSQL numbers itself (an identity column). */
export async function identityTables(db: Db, dialect: Dialect): Promise<Set<string>> {
  if (dialect === 'sqlite') return new Set();
  const rows = await sql<{ table_name: string }>`select table_name from information_schema.columns where table_schema = current_schema() and is_identity = 'YES'`.execute(db);
  return new Set(rows.rows.map((r) => r.table_name));
}

/** After rows arrived with their own ids, PostgreSQL's identity counters continue after the largest. */
export async function resetIdentities(db: Db, dialect: Dialect, tables: Iterable<string>): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const table of tables) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
  }
}

/** Drop every table of a gmv vault in this database (a forced restore over an existing one). */
export async function dropTables(db: Db, dialect: Dialect): Promise<void> {
  const shapes = await tableShapes(db, dialect);
  for (const shape of shapes.reverse()) await sql`drop table ${sql.table(shape.table)}${dialect === 'postgres' ? sql` cascade` : sql``}`.execute(db);
}
