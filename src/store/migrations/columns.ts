/** Column helpers shared by migrations: identity columns differ between SQLite and PostgreSQL. */
import type { CreateTableBuilder } from 'kysely';
import type { Dialect } from './index.js';

/** An auto-numbered integer primary key named id. */
export function withSerialId<T extends string>(table: CreateTableBuilder<T, never>, dialect: Dialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
