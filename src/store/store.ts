/**
 * Opening the vault database: SQLite file (default) or PostgreSQL (GMV_DATABASE_URL), schema
 * migrations applied and recorded, a vault from a newer gmv refused before anything is written.
 */
import { Kysely, SqliteDialect, PostgresDialect, sql } from 'kysely';
import { GmvError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Dialect } from './migrations/index.js';
import type { DB } from './schema.js';
import { redactUrl, type StoreTarget } from '../local/vault-location.js';
import { connectPostgres, openSqliteDatabase, removeSqliteFiles, translateStoreError, type OpenMode } from './driver.js';
import { cachingStatements } from './statement-cache.js';
import { postgresReader, schemaQueries, sqliteReader, type Reader } from './reader.js';

export type { Dialect, Reader };
export { removeSqliteFiles, translateStoreError };

export interface Store {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** Where the vault lives, safe to print (a PostgreSQL URL loses its password). */
  readonly location: string;
  /** Plain SQL reads on the same connection, for readers that do without the query builder. */
  readonly reader: Reader;
  close(): Promise<void>;
}

export type { StoreTarget };
export { redactUrl };

export interface OpenOptions {
  /** 'create' makes a new vault and refuses an existing one; 'open' needs an existing vault. */
  mode: OpenMode;
}

/** Open (or create) the vault and bring its schema up to date. */
export async function openStore(target: StoreTarget, options: OpenOptions): Promise<Store> {
  const store = target.kind === 'sqlite'
    ? await openSqlite(target.path, options.mode)
    : await openPostgres(target.url);
  try {
    await migrate(store, options.mode);
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    // A vault this call created and could not finish leaves nothing behind.
    if (options.mode === 'create' && target.kind === 'sqlite') removeSqliteFiles(target.path);
    throw translateStoreError(error, store.location);
  }
}

async function openSqlite(path: string, mode: OpenOptions['mode']): Promise<Store> {
  const database = await openSqliteDatabase(path, mode);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
  return { db, dialect: 'sqlite', location: path, reader: sqliteReader(database, path), close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<Store> {
  const pool = await connectPostgres(url);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const location = redactUrl(url);
  return { db, dialect: 'postgres', location, reader: postgresReader(pool, location), close: () => db.destroy() };
}

/**
 * After a bulk load into PostgreSQL, the planner's estimates of `tables` are brought up to date
 * (ANALYZE) rather than left to autovacuum's next pass, up to a minute later: planned from the
 * estimates of a nearly empty table, the register of just-imported accounts joined by nested loops,
 * quadratic in the accounts. Only the plans depend on it, so a refusal (another role
 * owns a table) is left to autovacuum. SQLite plans without statistics.
 */
export async function refreshEstimates(db: Kysely<any>, dialect: Dialect, tables: readonly string[]): Promise<void> {
  if (dialect !== 'postgres' || tables.length === 0) return;
  await sql.raw(`analyze ${tables.map((t) => `"${t.replaceAll('"', '""')}"`).join(', ')}`).execute(db).catch(() => undefined);
}

async function migrate(store: Store, mode: OpenOptions['mode']): Promise<void> {
  const applied = await appliedVersion(store);
  if (mode === 'create' && applied !== null && (await holdsVault(store))) throw new GmvError('VAULT_EXISTS', { path: store.location });
  if (mode === 'open' && applied === null) throw new GmvError('VAULT_NOT_INITIALIZED', { path: store.location });
  if (applied !== null && applied > SCHEMA_VERSION) {
    throw new GmvError('SCHEMA_TOO_NEW', { found: applied, known: SCHEMA_VERSION });
  }
  if (applied === SCHEMA_VERSION) return;
  await writeTransaction(store, async (trx) => {
    const tx = trx as unknown as Kysely<any>;
    // Re-read inside the write lock: another process may have migrated (or created) it meanwhile.
    const current = await appliedVersion({ ...store, db: trx });
    if (mode === 'create' && current !== null && (await holdsVault({ ...store, db: trx }))) throw new GmvError('VAULT_EXISTS', { path: store.location });
    if (current !== null && current >= SCHEMA_VERSION) return;
    await applyMigrations(tx, store.dialect, current, SCHEMA_VERSION, store.location);
  });
}

/**
 * Bring the schema inside `tx` from version `current` (null: no schema yet) to `upTo`, recording
 * each migration. A restore stops at the backup's version, loads its rows, then goes on.
 */
export async function applyMigrations(tx: Kysely<any>, dialect: Dialect, current: number | null, upTo: number, location: string): Promise<void> {
  if (current === null) {
    await tx.schema.createTable('gmv_migrations').ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
  }
  for (const migration of MIGRATIONS) {
    if (current !== null && migration.version <= current) continue;
    if (migration.version > upTo) break;
    try {
      await migration.up(tx, dialect);
    } catch (error) {
      const coded = translateStoreError(error, location);
      if (coded instanceof GmvError) throw coded;
      // A migration gmv ran fine on the schema it follows fails only on tables that are not that
      // schema: rows in gmv_migrations that say an older version than the tables are.
      throw new GmvError('SCHEMA_MISMATCH', { path: location, found: current ?? 0, target: migration.version, detail: error instanceof Error ? error.message : String(error) }, { cause: error });
    }
    await tx.insertInto('gmv_migrations')
      .values({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() })
      .execute();
  }
}

/** A schema without a vault_id is an init that never committed (PostgreSQL keeps its migrated tables). */
async function holdsVault(store: Pick<Store, 'db'>): Promise<boolean> {
  const row = await sql<{ n: number }>`select count(*) as n from vault_meta where key = 'vault_id'`.execute(store.db);
  return Number(row.rows[0]?.n ?? 0) > 0;
}

/** Highest applied migration, or null when the database holds no gmv schema. */
async function appliedVersion(store: Pick<Store, 'db' | 'dialect'>): Promise<number | null> {
  const queries = schemaQueries(store.dialect);
  const exists = await sql<{ n: number }>`${sql.raw(queries.exists)}`.execute(store.db);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return null;
  const row = await sql<{ v: number | null }>`${sql.raw(queries.version)}`.execute(store.db);
  const v = row.rows[0]?.v;
  return v === null || v === undefined ? null : Number(v);
}

/**
 * Run `fn` as one write transaction: SQLite takes the write lock up front (BEGIN IMMEDIATE, waiting
 * up to busy_timeout); PostgreSQL serializes writers on an advisory lock so audit sequence numbers
 * and the Merkle frontier never race. Lock contention that outlasts the wait becomes STORE_BUSY.
 */
export async function writeTransaction<T>(store: Pick<Store, 'db' | 'dialect' | 'location'>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  try {
    return await store.db.connection().execute(async (conn) => {
      if (store.dialect === 'sqlite') {
        await sql`begin immediate`.execute(conn);
      } else {
        await sql`begin`.execute(conn);
        await sql`set local lock_timeout = '10s'`.execute(conn);
        await sql`select pg_advisory_xact_lock(${WRITER_LOCK})`.execute(conn);
      }
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    throw translateStoreError(error, store.location);
  }
}

/** Any fixed 64-bit number; it names gmv's writer lock among other advisory locks. */
const WRITER_LOCK = 0x676d76;

