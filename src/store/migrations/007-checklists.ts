/**
 * Checklist runs (Arts. 25, 28, 29; the pack's templates): one row per run with its signed record
 * once the performer signs, and one row per step status recorded (the latest per step counts).
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const checklists: Migration = {
  version: 7,
  name: 'checklists',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('checklist_runs'), dialect)
      .addColumn('run_id', 'text', (c) => c.notNull().unique())
      .addColumn('template', 'text', (c) => c.notNull())
      .addColumn('account_id', 'integer')
      .addColumn('trigger', 'text')
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('deadline', 'text')
      // open, signed (by the performer), countersigned
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('record', 'text')
      .addColumn('performer', 'text')
      .addColumn('performer_fingerprint', 'text')
      .addColumn('performer_sig', 'text')
      .addColumn('signed_at', 'text')
      .addColumn('countersigner', 'text')
      .addColumn('countersigner_fingerprint', 'text')
      .addColumn('countersigner_sig', 'text')
      .addColumn('countersigned_at', 'text')
      .execute();
    await withSerialId(db.schema.createTable('checklist_steps'), dialect)
      .addColumn('run_pk', 'integer', (c) => c.notNull())
      .addColumn('step_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('by', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('checklist_steps_by_run').on('checklist_steps').columns(['run_pk', 'step_id', 'id']).execute();
  },
};
