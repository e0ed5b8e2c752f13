/**
 * The database drivers without the query builder: opening the SQLite file or the PostgreSQL pool,
 * and turning driver errors into coded errors. The audit verifier reads through these alone, so it
 * starts without loading kysely.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, statfsSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { GmvError } from '../errors.js';
import { redactUrl } from '../local/vault-location.js';

/**
 * 'create' makes a new vault and refuses an existing one; 'open' needs an existing vault; 'read'
 * opens an existing vault read-only (the verifier: it must never write, not even a pragma).
 */
export type OpenMode = 'create' | 'open' | 'read';

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

let nativeBinding: string | undefined;

/**
 * A better-sqlite3 connection. Its JavaScript is bundled into lib/ (an ES import of the CommonJS
 * package first scans its ten files for their exports, then compiles each: ~6 ms of every command
 * that opens a SQLite vault); the native addon is handed over by path, so the `bindings` package's
 * search of the file system is skipped too.
 */
export async function sqliteConnection(path: string, options: import('better-sqlite3').Options): Promise<import('better-sqlite3').Database> {
  nativeBinding ??= createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  const { default: Database } = await import('better-sqlite3');
  return new Database(path, { ...options, nativeBinding });
}

/**
 * Open (or create) a SQLite vault file with gmv's settings: WAL, synchronous=FULL, foreign keys,
 * a busy timeout; a new file is 0600 in a 0700 folder from its first byte.
 */
export async function openSqliteDatabase(path: string, mode: OpenMode): Promise<import('better-sqlite3').Database> {
  let created = false;
  if (mode === 'create') {
    if (existsSync(path)) {
      throw statSync(path).isDirectory() ? new GmvError('VAULT_UNREADABLE', { path, detail: 'detail.storeIsDirectory' }) : new GmvError('VAULT_EXISTS', { path });
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
      if (blocker) throw new GmvError('VAULT_UNREADABLE', { path, detail: 'detail.storeNotDirectory', blocker });
      throw new GmvError('VAULT_NOT_FOUND', { path });
    }
    if (statSync(path).isDirectory()) throw new GmvError('VAULT_UNREADABLE', { path, detail: 'detail.storeIsDirectory' });
  }
  let database: import('better-sqlite3').Database;
  try {
    database = await sqliteConnection(path, { fileMustExist: true, readonly: mode === 'read' });
    database.pragma('busy_timeout = 5000');
    // Look before writing anything: another program's database must not be switched to WAL.
    if (mode !== 'create') {
      const ours = database.prepare("select count(*) as n from sqlite_master where type = 'table' and name = 'gmv_migrations'").get() as { n: number };
      if (Number(ours.n) === 0) {
        database.close();
        throw new GmvError('VAULT_NOT_INITIALIZED', { path });
      }
    }
    if (mode !== 'read') {
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = FULL');
      database.pragma('foreign_keys = ON');
    }
  } catch (error) {
    if (created) removeSqliteFiles(path);
    throw translateStoreError(error, path);
  }
  return database;
}

/**
 * How long a connection may take before the server counts as unreachable. Generous: a shared server
 * under load (or a 2-core machine running argon2 beside it) can take seconds to fork a backend, and a
 * user would rather wait than be told the vault is down.
 */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * A connection pool to the PostgreSQL vault, proven reachable (STORE_UNAVAILABLE otherwise). A
 * read-only pool's sessions refuse every write the server would otherwise accept.
 *
 * gmv's settings are SET on each new session, before the pool hands it out, rather than sent as
 * startup options: pg sends one `options` string, the pool's or else the URL's `options` parameter
 * or else PGOPTIONS, so startup options of gmv's own would drop a unit's search_path named in either.
 * JIT compilation is off: every large listing's plan passes the cost at which the server compiles
 * it, and a command runs the plan once, so the compilation never pays back.
 */
export async function connectPostgres(url: string, max = 2, options: { readOnly?: boolean } = {}): Promise<import('pg').Pool> {
  const pg = await loadPg();
  const location = redactUrl(url);
  // One statement, setting only what the server knows (one older than JIT would refuse the whole of
  // it, the read-only guard with it), by names no search_path can shadow. The pool runs it on each
  // new session before handing it out, on every path (pool.query too); a session that cannot take
  // it is not handed out at all, so a read-only pool never serves a writable session.
  const settings = [...(options.readOnly ? ["('default_transaction_read_only', 'on')"] : []), "('jit', 'off')"].join(', ');
  const settle = `select pg_catalog.set_config(s.name, s.value, false) from (values ${settings}) as s(name, value) where pg_catalog.current_setting(s.name, true) is not null`;
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, onConnect: (client) => client.query(settle) });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    // A server that cannot write its per-database files on a full disk refuses the connection
    // itself: that is a full disk, not an unreachable server.
    const translated = translateStoreError(error, location);
    if (translated instanceof GmvError && translated.code === 'STORE_FULL') throw translated;
    throw new GmvError('STORE_UNAVAILABLE', { detail: `${location}: ${describe(error)}` }, { cause: error });
  }
  return pool;
}

/**
 * The pg package. At load it asks whether it runs in a Cloudflare Worker; on Node 20, which has no
 * `navigator`, it finds out by building a fetch Response, which loads undici: ~25 ms of every
 * command on PostgreSQL. A `navigator` naming Node, present only while pg loads, answers first.
 * The build bundles pg into a chunk of its own (one file instead of about thirty), loaded here only
 * by a command that opens a PostgreSQL vault.
 */
async function loadPg(): Promise<typeof import('pg')> {
  const global = globalThis as { navigator?: unknown };
  const absent = !('navigator' in globalThis);
  if (absent) global.navigator = { userAgent: `Node.js/${process.versions.node}` };
  try {
    return ((await import('pg')) as unknown as { default: typeof import('pg') }).default;
  } finally {
    if (absent) delete global.navigator;
  }
}

/** Map driver errors to coded errors a user can act on; coded errors pass through. */
export function translateStoreError(error: unknown, location: string): unknown {
  if (error instanceof GmvError) return error;
  const raw = (error as { code?: unknown })?.code;
  // better-sqlite3 reports extended result codes (SQLITE_IOERR_WRITE, SQLITE_CORRUPT_INDEX…): the
  // primary code decides.
  const code = typeof raw === 'string' ? PRIMARY_SQLITE.find((p) => raw === p || raw.startsWith(`${p}_`)) ?? raw : raw;
  const detail = describe(error);
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case '55P03': // lock_not_available
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return new GmvError('STORE_BUSY', { detail }, { cause: error });
    case 'SQLITE_FULL':
    case 'ENOSPC':
    case '53100': // disk_full
      return new GmvError('STORE_FULL', { path: location, detail }, { cause: error });
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
    case 'XX001': // data_corrupted
    case 'XX002': // index_corrupted
      return new GmvError('VAULT_CORRUPT', { path: location, detail }, { cause: error });
    case 'SQLITE_IOERR':
      // SQLite reports a full disk as a plain I/O error when the room ran out for its side files
      // (SQLITE_IOERR_SHMSIZE, _WRITE…): the free space tells.
      if (nearlyFull(location)) return new GmvError('STORE_FULL', { path: location, detail }, { cause: error });
      return new GmvError('VAULT_UNREADABLE', { path: location, detail }, { cause: error });
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_READONLY':
    case 'EACCES':
    case '42501': // insufficient_privilege: a role not granted the vault's tables
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
      // PostgreSQL reports some failures to write on a full disk without the disk_full code: the
      // relation-cache init file a new connection writes (a FATAL, SQLSTATE XX000), or an extension
      // of a data file.
      if (/No space left on device|could not write init file|could not extend file/.test(detail)) {
        return new GmvError('STORE_FULL', { path: location, detail }, { cause: error });
      }
      if (/Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/.test(detail)) {
        return new GmvError('STORE_UNAVAILABLE', { detail: `${location}: ${detail}` }, { cause: error });
      }
      return error;
  }
}

/** Whether the file system holding the SQLite file `path` has (almost) no room left. */
function nearlyFull(path: string): boolean {
  try {
    const fs = statfsSync(dirname(path));
    return fs.bavail * fs.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}

const PRIMARY_SQLITE = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_READONLY'];

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

