/**
 * The grants in force of one account, read from an index alone: the account register lists every
 * account with its grantees (store/listings.ts), and the index holds exactly the columns that join
 * needs, in grant order, for the grants not removed (the only ones a listing or the door reads).
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Migration } from './index.js';

export const liveGrantsIndex: Migration = {
  version: 17,
  name: 'live-grants-index',
  async up(db: Kysely<any>) {
    // A partial index: the same statement on SQLite and PostgreSQL.
    await sql`create index "grants_live_by_account" on "grants" ("account_id", "id", "person_id", "until", "removed_at") where "removed_at" is null`.execute(db);
  },
};
