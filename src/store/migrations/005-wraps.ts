/**
 * One table for every wrapped data key. Before this version data keys lived in four places
 * (`key_wraps` for people, `org_wraps` for the organisation's escrow, `recovery_wraps` for the
 * recovery key, `rotations.wrapped` for a rotation in progress), joined on the account id as text,
 * and a wrap that stopped applying was deleted. Now each wrap names its recipient, the account by
 * its id, and keeps the time and reason it stopped applying (`revoked_at`, `revoked_reason`): what
 * a person could ever decrypt is one query over this table (store/wraps.ts `exposure`).
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const wraps: Migration = {
  version: 5,
  name: 'wraps',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('wraps'), dialect)
      .addColumn('item_kind', 'text', (c) => c.notNull())
      .addColumn('account_id', 'integer', (c) => c.references('accounts.id'))
      .addColumn('item_ref', 'text', (c) => c.notNull())
      .addColumn('item_version', 'integer', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull().check(sql`recipient in ('person', 'org', 'recovery')`))
      .addColumn('person_id', 'integer', (c) => c.references('people.id'))
      .addColumn('key_fingerprint', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_reason', 'text')
      .addCheckConstraint('wraps_person_recipient', sql`(recipient = 'person') = (person_id is not null)`)
      .execute();
    // At most one wrap in force per item, version and key; revoked ones stay beside it.
    await sql`create unique index wraps_live on wraps (item_kind, coalesce(account_id, 0), item_ref, item_version, key_fingerprint) where revoked_at is null`.execute(db);
    await db.schema.createIndex('wraps_by_person').on('wraps').columns(['person_id', 'item_kind']).execute();
    await db.schema.createIndex('wraps_by_account').on('wraps').columns(['account_id', 'item_version']).execute();
    await db.schema.createIndex('wraps_by_key').on('wraps').columns(['key_fingerprint', 'item_kind']).execute();

    const credentialAccount = sql`case when item_kind = 'credential' then cast(item_id as integer) else null end`;
    const credentialRef = sql`case when item_kind = 'credential' then '' else item_id end`;
    await sql`insert into wraps (item_kind, account_id, item_ref, item_version, recipient, person_id, key_fingerprint, wrapped, created_at)
      select item_kind, ${credentialAccount}, ${credentialRef}, item_version, 'person', person_id, key_fingerprint, wrapped, created_at from key_wraps order by id`.execute(db);
    await sql`insert into wraps (item_kind, account_id, item_ref, item_version, recipient, person_id, key_fingerprint, wrapped, created_at)
      select item_kind, ${credentialAccount}, ${credentialRef}, item_version, 'org', null, org_fingerprint, wrapped, created_at from org_wraps order by id`.execute(db);
    await sql`insert into wraps (item_kind, account_id, item_ref, item_version, recipient, person_id, key_fingerprint, wrapped, created_at)
      select item_kind, null, item_id, 1, 'recovery', null, recovery_fingerprint, wrapped, created_at from recovery_wraps order by id`.execute(db);
    // A rotation in progress: its password's data key, wrapped for the person who started it.
    await sql`insert into wraps (item_kind, account_id, item_ref, item_version, recipient, person_id, key_fingerprint, wrapped, created_at)
      select 'rotation', r.account_id, r.started_at, 0, 'person', r.started_by_person, k.fingerprint, r.wrapped, r.started_at
      from rotations r join person_keys k on k.person_id = r.started_by_person and k.status = 'active'`.execute(db);
    await db.schema.alterTable('rotations').dropColumn('wrapped').execute();
    await db.schema.dropTable('key_wraps').execute();
    await db.schema.dropTable('org_wraps').execute();
    await db.schema.dropTable('recovery_wraps').execute();
  },
};
