/** Person keys sign checkpoints when their holder is logged in: the organisation certifies each one. */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

export const personKeyCertification: Migration = {
  version: 4,
  name: 'person-key-certification',
  async up(db: Kysely<any>) {
    // Null for keys activated before this version: they never sign checkpoints (the device key does).
    await db.schema.alterTable('person_keys').addColumn('certification', 'text').execute();
  },
};
