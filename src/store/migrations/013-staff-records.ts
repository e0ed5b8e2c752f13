/**
 * Staff records (Arts. 7, 25): a completed course, a signed confidentiality agreement, an
 * onboarding or an offboarding, each as the canonical record the recording officer signed. The
 * access decision reads the training and NDA rows and checks their signatures before relying on
 * them. The rotation queue learns which fields a departure exposed, and whose departure it was.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const staffRecords: Migration = {
  version: 13,
  name: 'staff-records',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('staff_records'), dialect)
      .addColumn('person_id', 'integer', (c) => c.notNull())
      // training, nda, onboarding, offboarding
      .addColumn('kind', 'text', (c) => c.notNull())
      // The course id of a training record; '' for the others.
      .addColumn('course', 'text', (c) => c.notNull())
      // Civil dates (YYYY-MM-DD, China): completed or signed on, and the first day it no longer counts.
      .addColumn('on_date', 'text', (c) => c.notNull())
      .addColumn('lapses_on', 'text')
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('signer_fingerprint', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('recorded_by', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('staff_records_by_person').on('staff_records').columns(['person_id', 'kind', 'course']).execute();
    await db.schema.alterTable('rotation_queue').addColumn('fields', 'text').execute();
    await db.schema.alterTable('rotation_queue').addColumn('person_id', 'integer').execute();
    await db.schema.alterTable('people').addColumn('departed_at', 'text').execute();
  },
};
