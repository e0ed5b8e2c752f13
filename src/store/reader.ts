/**
 * Plain SQL reads of the vault, for code that needs no query builder: the audit verifier reads every
 * entry through this, and opening a vault this way loads only the database driver.
 */
import type { StoreTarget } from '../local/vault-location.js';
import { redactUrl } from '../local/vault-location.js';
import { GmvError } from '../errors.js';
import { connectPostgres, openSqliteDatabase, translateStoreError } from './driver.js';
import { SCHEMA_VERSION } from './schema-version.js';
import type { Dialect } from './migrations/index.js';

export interface Reader {
  readonly dialect: Dialect;
  /** Where the vault lives, safe to print. */
  readonly location: string;
  /** Every row of a query, as arrays of cells; parameters are `?` placeholders. */
  rows(query: string, params?: readonly unknown[]): Promise<unknown[][]>;
  /**
   * The first column of every row, streamed in pages without a per-row object (most of the cost
   * of reading a large audit log otherwise). Only inside {@link Reader.snapshot}.
   */
  column(query: string, pageSize: number): AsyncIterable<unknown[]>;
  /**
   * The rows of one query as arrays of cells, a page at a time, so a long listing is never held
   * whole (a SQLite statement stepped; a PostgreSQL cursor). Only inside {@link Reader.snapshot}.
   */
  pages(query: string, params: readonly unknown[], pageSize: number): AsyncIterable<unknown[][]>;
  /** Run `fn` with all its reads seeing one consistent state of the vault. */
  snapshot<T>(fn: () => Promise<T>): Promise<T>;
}

export interface OpenedReader extends Reader {
  /** The schema version the vault records; older than this gmv's means a write (any ordinary command) upgrades it first. */
  readonly version: number;
  readonly outdated: boolean;
  close(): Promise<void>;
}

/** SQL telling whether the gmv schema exists, then which version it has (shared with the migrator). */
export function schemaQueries(dialect: Dialect): { exists: string; version: string } {
  return {
    exists: dialect === 'sqlite'
      ? "select count(*) as n from sqlite_master where type = 'table' and name = 'gmv_migrations'"
      : // The catalogue rather than information_schema.tables, whose view joins cost a fresh backend
      // more on every command; like the view, it sees only a table the role may read.
      "select count(*) as n from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = current_schema() and c.relname = 'gmv_migrations' and c.relkind in ('r', 'p') and has_table_privilege(c.oid, 'select')",
    version: 'select max(version) as v from gmv_migrations',
  };
}

/**
 * Open an existing vault read-only (the connection itself cannot write); refuses a database without
 * gmv's schema or with a newer one.
 */
export async function openReader(target: StoreTarget): Promise<OpenedReader> {
  let reader: Reader;
  let close: () => Promise<void>;
  if (target.kind === 'sqlite') {
    const database = await openSqliteDatabase(target.path, 'read');
    reader = sqliteReader(database, target.path);
    close = async () => void database.close();
  } else {
    const pool = await connectPostgres(target.url, 1, { readOnly: true });
    reader = postgresReader(pool, redactUrl(target.url));
    close = () => pool.end();
  }
  try {
    const queries = schemaQueries(reader.dialect);
    const [exists] = await reader.rows(queries.exists);
    const version = Number(exists![0]) === 0 ? null : (await reader.rows(queries.version))[0]![0];
    if (version === null || version === undefined) throw new GmvError('VAULT_NOT_INITIALIZED', { path: reader.location });
    if (Number(version) > SCHEMA_VERSION) throw new GmvError('SCHEMA_TOO_NEW', { found: Number(version), known: SCHEMA_VERSION });
    return { ...reader, version: Number(version), outdated: Number(version) < SCHEMA_VERSION, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export function sqliteReader(database: import('better-sqlite3').Database, location: string): Reader {
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw translateStoreError(error, location);
    }
  };
  return {
    dialect: 'sqlite',
    location,
    rows: async (query, params = []) => guard(() => database.prepare(query).raw(true).all(...params) as unknown[][]),
    async *column(query, pageSize) {
      if (!database.inTransaction) throw new Error('reader.column() must run inside snapshot()');
      const values = guard(() => database.prepare(query).pluck(true).iterate() as IterableIterator<unknown>);
      for (;;) {
        // Read errors (a corrupt page met halfway) become coded errors too.
        const page: unknown[] = [];
        let done = false;
        guard(() => {
          while (page.length < pageSize) {
            const next = values.next();
            if (next.done) {
              done = true;
              break;
            }
            page.push(next.value);
          }
        });
        if (page.length > 0) yield page;
        if (done) return;
      }
    },
    async *pages(query, params, pageSize) {
      if (!database.inTransaction) throw new Error('reader.pages() must run inside snapshot()');
      const rows = guard(() => database.prepare(query).raw(true).iterate(...params) as IterableIterator<unknown[]>);
      try {
        for (;;) {
          const page: unknown[][] = [];
          let done = false;
          guard(() => {
            while (page.length < pageSize) {
              const next = rows.next();
              if (next.done) {
                done = true;
                break;
              }
              page.push(next.value);
            }
          });
          if (page.length > 0) yield page;
          if (done) return;
        }
      } finally {
        // A reader that stopped early (a closed pipe, a failed backup) frees the connection for the next statement.
        rows.return?.();
      }
    },
    async snapshot(fn) {
      if (database.inTransaction) return fn();
      // A deferred transaction holds the WAL snapshot of its first read until it ends.
      guard(() => database.exec('begin'));
      try {
        return await fn();
      } finally {
        if (database.inTransaction) database.exec('commit');
      }
    },
  };
}

/**
 * The pages of a cursor, each asked for before the one in hand is handed on: the server reads the
 * next page (for a register streamed per account, the joins of its 500 accounts) while the caller
 * prints this one, instead of one waiting for the other. A page shorter than `pageSize` is the last.
 * A caller that stops early leaves at most one fetch in flight; the connection runs it before
 * whatever the caller sends next (pg sends one query at a time), and its failure is not reported.
 */
async function* prefetched(fetch: () => Promise<unknown[][]>, pageSize: number): AsyncIterable<unknown[][]> {
  let next = fetch();
  for (;;) {
    const rows = await next;
    const last = rows.length < pageSize;
    if (!last) {
      next = fetch();
      next.catch(() => undefined);
    }
    if (rows.length > 0) yield rows;
    if (last) return;
  }
}

export function postgresReader(pool: import('pg').Pool, location: string): Reader {
  let active: import('pg').PoolClient | null = null;
  let cursors = 0;
  const numbered = (query: string) => {
    let n = 0;
    return query.replace(/\?/g, () => `$${++n}`);
  };
  const run = async (client: import('pg').Pool | import('pg').PoolClient, text: string, values: readonly unknown[] = []) => {
    try {
      return (await client.query({ text, values: [...values], rowMode: 'array' })).rows as unknown[][];
    } catch (error) {
      throw translateStoreError(error, location);
    }
  };
  return {
    dialect: 'postgres',
    location,
    rows: (query, params) => run(active ?? pool, numbered(query), params),
    async *column(query, pageSize) {
      const client = active;
      if (!client) throw new Error('reader.column() must run inside snapshot()');
      // A cursor reads in order without OFFSET's rescans, in the snapshot of the transaction.
      await run(client, `declare gmv_column no scroll cursor for ${query}`);
      try {
        for await (const rows of prefetched(() => run(client, `fetch forward ${Math.trunc(pageSize)} from gmv_column`), pageSize)) yield rows.map((row) => row[0]);
      } finally {
        // After a failed fetch the transaction is aborted and closing fails too: the first error counts.
        await run(client, 'close gmv_column').catch(() => undefined);
      }
    },
    async *pages(query, params, pageSize) {
      const client = active;
      if (!client) throw new Error('reader.pages() must run inside snapshot()');
      const cursor = `gmv_pages_${++cursors}`;
      await run(client, `declare ${cursor} no scroll cursor for ${numbered(query)}`, params);
      try {
        yield* prefetched(() => run(client, `fetch forward ${Math.trunc(pageSize)} from ${cursor}`), pageSize);
      } finally {
        await run(client, `close ${cursor}`).catch(() => undefined);
      }
    },
    async snapshot<T>(fn: () => Promise<T>): Promise<T> {
      if (active) return fn();
      let client: import('pg').PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translateStoreError(error, location);
      }
      active = client;
      let result: T;
      try {
        await run(client, 'begin isolation level repeatable read read only');
        result = await fn();
        await run(client, 'commit');
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        active = null;
        // A connection whose transaction failed midway is closed rather than reused.
        client.release(true);
        throw error;
      }
      active = null;
      client.release();
      return result;
    },
  };
}
