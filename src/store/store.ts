/**
 * Opening the vault database: SQLite file (default) or PostgreSQL (GMV_DATABASE_URL), schema
 * migrations applied and recorded, a vault from a newer gmv refused before anything is written.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, PostgresDialect, sql } from 'kysely';
import { GmvError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Dialect } from './migrations/index.js';
import type { DB } from './schema.js';
import { redactUrl, type StoreTarget } from '../local/vault-location.js';

export type { Dialect };

export interface Store {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** Where the vault lives, safe to print (a PostgreSQL URL loses its password). */
  readonly location: string;
  /**
   * Stream rows of a read-only query as arrays, in pages. The audit verifier reads every entry;
   * on SQLite this bypasses per-row objects, the bulk of its cost.
   */
  scan(query: string, pageSize: number): AsyncIterable<unknown[][]>;
  close(): Promise<void>;
}

export type { StoreTarget };
export { redactUrl };

export interface OpenOptions {
  /** 'create' makes a new vault and refuses an existing one; 'open' needs an existing vault. */
  mode: 'create' | 'open';
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

/** Remove a SQLite file and its side files (best effort: used only on files this process created). */
export function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    try {
      rmSync(path + suffix, { force: true });
    } catch {
      // Nothing to remove, or nothing removable: leave it to the error already being reported.
    }
  }
}

/** The first ancestor of `path` that exists but is not a directory, if any. */
function nonDirectoryAncestor(path: string): string | null {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(dir)) return statSync(dir).isDirectory() ? null : dir;
  }
  return null;
}

async function openSqlite(path: string, mode: OpenOptions['mode']): Promise<Store> {
  const { default: Database } = await import('better-sqlite3');
  let created = false;
  if (mode === 'create') {
    if (existsSync(path)) {
      throw statSync(path).isDirectory() ? new GmvError('VAULT_UNREADABLE', { path, detail: 'it is a directory' }) : new GmvError('VAULT_EXISTS', { path });
    }
    try {
      const dir = dirname(path);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Create the file ourselves so it is 0600 from its first byte, whatever the umask; 'wx' also
      // makes a concurrent init lose cleanly instead of sharing the file.
      closeSync(openSync(path, 'wx', 0o600));
      created = true;
      chmodSync(path, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new GmvError('VAULT_EXISTS', { path });
      throw new GmvError('VAULT_UNREADABLE', { path, detail: describe(error) }, { cause: error });
    }
  } else {
    if (!existsSync(path)) {
      const blocker = nonDirectoryAncestor(path);
      if (blocker) throw new GmvError('VAULT_UNREADABLE', { path, detail: `${blocker} is not a directory` });
      throw new GmvError('VAULT_NOT_FOUND', { path });
    }
    if (statSync(path).isDirectory()) throw new GmvError('VAULT_UNREADABLE', { path, detail: 'it is a directory' });
  }
  let database: import('better-sqlite3').Database;
  try {
    database = new Database(path, { fileMustExist: true });
    database.pragma('busy_timeout = 5000');
    // Look before writing anything: another program's database must not be switched to WAL.
    if (mode === 'open') {
      const ours = database.prepare("select count(*) as n from sqlite_master where type = 'table' and name = 'gmv_migrations'").get() as { n: number };
      if (Number(ours.n) === 0) {
        database.close();
        throw new GmvError('VAULT_NOT_INITIALIZED', { path });
      }
    }
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    if (created) removeSqliteFiles(path);
    throw translateStoreError(error, path);
  }
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
  async function* scan(query: string, pageSize: number): AsyncIterable<unknown[][]> {
    let page: unknown[][] = [];
    for (const row of database.prepare(query).raw(true).iterate() as Iterable<unknown[]>) {
      page.push(row);
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }
  return { db, dialect: 'sqlite', location: path, scan, close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<Store> {
  const { default: pg } = await import('pg');
  const location = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new GmvError('STORE_UNAVAILABLE', { detail: `${location}: ${describe(error)}` }, { cause: error });
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  async function* scan(query: string, pageSize: number): AsyncIterable<unknown[][]> {
    // Pages in primary-key order: one round trip each, memory stays bounded.
    for (let offset = 0; ; offset += pageSize) {
      const result = await pool.query({ text: `${query} limit ${pageSize} offset ${offset}`, rowMode: 'array' });
      if (result.rows.length > 0) yield result.rows as unknown[][];
      if (result.rows.length < pageSize) return;
    }
  }
  return { db, dialect: 'postgres', location, scan, close: () => db.destroy() };
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
    if (current === null) {
      await tx.schema.createTable('gmv_migrations').ifNotExists()
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .execute();
    }
    for (const migration of MIGRATIONS) {
      if (current !== null && migration.version <= current) continue;
      await migration.up(tx, store.dialect);
      await tx.insertInto('gmv_migrations')
        .values({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() })
        .execute();
    }
  });
}

/** A schema without a vault_id is an init that never committed (PostgreSQL keeps its migrated tables). */
async function holdsVault(store: Pick<Store, 'db'>): Promise<boolean> {
  const row = await sql<{ n: number }>`select count(*) as n from vault_meta where key = 'vault_id'`.execute(store.db);
  return Number(row.rows[0]?.n ?? 0) > 0;
}

/** Highest applied migration, or null when the database holds no gmv schema. */
async function appliedVersion(store: Pick<Store, 'db' | 'dialect'>): Promise<number | null> {
  const exists = store.dialect === 'sqlite'
    ? await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'gmv_migrations'`.execute(store.db)
    : await sql<{ n: number }>`select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = 'gmv_migrations'`.execute(store.db);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return null;
  const row = await sql<{ v: number | null }>`select max(version) as v from gmv_migrations`.execute(store.db);
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

/** Map driver errors to coded errors a user can act on; coded errors pass through. */
export function translateStoreError(error: unknown, location: string): unknown {
  if (error instanceof GmvError) return error;
  const code = (error as { code?: unknown })?.code;
  const detail = describe(error);
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case '55P03': // lock_not_available
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return new GmvError('STORE_BUSY', { detail }, { cause: error });
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new GmvError('VAULT_CORRUPT', { path: location, detail }, { cause: error });
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_READONLY':
    case 'SQLITE_IOERR':
    case 'EACCES':
      return new GmvError('VAULT_UNREADABLE', { path: location, detail }, { cause: error });
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ENOTFOUND':
    case '57P01': // admin_shutdown
    case '57P03': // cannot_connect_now
    case '08006':
    case '08001':
      return new GmvError('STORE_UNAVAILABLE', { detail: `${location}: ${detail}` }, { cause: error });
    default:
      if (/Connection terminated|connect ECONNREFUSED/.test(detail)) {
        return new GmvError('STORE_UNAVAILABLE', { detail: `${location}: ${detail}` }, { cause: error });
      }
      return error;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

