/**
 * The filing register (Arts. 12–14, 35): the government office an account is filed with, and a
 * closure's public announcement with the earliest day the account may be closed.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

export const filing: Migration = {
  version: 12,
  name: 'filing',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('accounts').addColumn('filing_office', 'text').execute();
    // Civil dates (YYYY-MM-DD, China): the announcement, and the first day a closure may happen.
    await db.schema.alterTable('accounts').addColumn('closure_announced_on', 'text').execute();
    await db.schema.alterTable('accounts').addColumn('closure_not_before', 'text').execute();
  },
};
