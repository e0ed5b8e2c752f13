/**
 * Working-day calendars an officer imported (`gmv calendar import`): one row per import, the file's
 * text as imported and its SHA-256. The latest import of a year is the one in force; earlier ones
 * stay as the record of what deadlines were once counted with.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const calendars: Migration = {
  version: 6,
  name: 'calendars',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('calendars'), dialect)
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('imported_by', 'text', (c) => c.notNull())
      .addColumn('imported_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('calendars_by_year').on('calendars').columns(['year', 'id']).execute();
  },
};
