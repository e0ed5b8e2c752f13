/**
 * The SQLite connection kysely drives, with its prepared statements kept: kysely prepares every
 * query it runs again, and preparing costs as much as running the small queries of a reveal or
 * a grant. A statement still stepping through rows (a streamed listing) is not handed out twice.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Enough for every distinct query of one command; the oldest statement goes first. */
const MAX_STATEMENTS = 256;

export function cachingStatements(database: Database): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const held = statements.get(sql);
      if (held && !held.busy) return held;
      const statement = database.prepare(sql);
      if (!held) {
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
