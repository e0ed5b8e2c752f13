/**
 * Turn a vault written by this gmv back into the layout an older gmv wrote, so upgrade tests run
 * the real migrations over real data. Each step undoes one migration, newest first.
 */
import { sql, type Kysely } from 'kysely';
import type { Store } from '../../src/store/store.js';
import { withSerialId } from '../../src/store/migrations/columns.js';

/** Schema 16: no index of the grants in force (migration 17). */
export async function downgradeLiveGrantsIndexToSchema16(store: Store): Promise<void> {
  const db = store.db as unknown as Kysely<any>;
  await db.schema.dropIndex('grants_live_by_account').execute();
  await sql`delete from gmv_migrations where version >= 17`.execute(db);
}

/** Schema 15: no state seals (migration 16); the rows a seal named lose that column. */
export async function downgradeStateSealsToSchema15(store: Store): Promise<void> {
  await downgradeLiveGrantsIndexToSchema16(store);
  const db = store.db as unknown as Kysely<any>;
  for (const table of ['people', 'grants']) await db.schema.alterTable(table).dropColumn('seal').execute();
  await db.schema.dropTable('state_seals').execute();
  await db.deleteFrom('vault_meta').where('key', '=', 'policy_seal').execute();
  await sql`delete from gmv_migrations where version >= 16`.execute(db);
}

/** Schema 14: no organisation re-keys (migration 15). */
export async function downgradeOrgTransitionsToSchema14(store: Store): Promise<void> {
  await downgradeStateSealsToSchema15(store);
  const db = store.db as unknown as Kysely<any>;
  await db.schema.dropTable('org_transitions').execute();
  await sql`delete from gmv_migrations where version >= 15`.execute(db);
}

/** Schema 13: no counterfeit-account cases (migration 14). */
export async function downgradeImpersonationToSchema13(store: Store): Promise<void> {
  await downgradeOrgTransitionsToSchema14(store);
  const db = store.db as unknown as Kysely<any>;
  await db.schema.dropTable('impersonation_cases').execute();
  await sql`delete from gmv_migrations where version >= 14`.execute(db);
}

/** Schema 12: no staff records, no departure columns (migration 13). */
export async function downgradeStaffRecordsToSchema12(store: Store): Promise<void> {
  await downgradeImpersonationToSchema13(store);
  const db = store.db as unknown as Kysely<any>;
  await db.schema.dropTable('staff_records').execute();
  for (const column of ['fields', 'person_id']) await db.schema.alterTable('rotation_queue').dropColumn(column).execute();
  await db.schema.alterTable('people').dropColumn('departed_at').execute();
  await sql`delete from gmv_migrations where version >= 13`.execute(db);
}

/** Schema 6: no checklist runs (migration 7), no filing office or closure announcements (migration 12). */
export async function downgradeFilingToSchema6(store: Store): Promise<void> {
  await downgradeStaffRecordsToSchema12(store);
  const db = store.db as unknown as Kysely<any>;
  for (const column of ['filing_office', 'closure_announced_on', 'closure_not_before']) await db.schema.alterTable('accounts').dropColumn(column).execute();
  await db.schema.dropTable('checklist_steps').execute();
  await db.schema.dropTable('checklist_runs').execute();
  await sql`delete from gmv_migrations where version >= 7`.execute(db);
}

/** Schema 5: no imported working-day calendars. */
export async function downgradeCalendarsToSchema5(store: Store): Promise<void> {
  await downgradeFilingToSchema6(store);
  const db = store.db as unknown as Kysely<any>;
  await db.schema.dropTable('calendars').execute();
  await sql`delete from gmv_migrations where version >= 6`.execute(db);
}

/** Schema 4: wraps in four places (key_wraps, org_wraps, recovery_wraps, rotations.wrapped); revoked wraps deleted. */
export async function downgradeWrapsToSchema4(store: Store): Promise<void> {
  await downgradeCalendarsToSchema5(store);
  const db = store.db as unknown as Kysely<any>;
  const d = store.dialect;
  await withSerialId(db.schema.createTable('key_wraps'), d)
    .addColumn('item_kind', 'text', (c) => c.notNull()).addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('item_version', 'integer', (c) => c.notNull()).addColumn('person_id', 'integer', (c) => c.notNull())
    .addColumn('key_fingerprint', 'text', (c) => c.notNull()).addColumn('wrapped', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull()).execute();
  await withSerialId(db.schema.createTable('org_wraps'), d)
    .addColumn('item_kind', 'text', (c) => c.notNull()).addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('item_version', 'integer', (c) => c.notNull()).addColumn('org_fingerprint', 'text', (c) => c.notNull())
    .addColumn('wrapped', 'text', (c) => c.notNull()).addColumn('created_at', 'text', (c) => c.notNull()).execute();
  await withSerialId(db.schema.createTable('recovery_wraps'), d)
    .addColumn('item_kind', 'text', (c) => c.notNull()).addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('recovery_fingerprint', 'text', (c) => c.notNull())
    .addColumn('wrapped', 'text', (c) => c.notNull()).addColumn('created_at', 'text', (c) => c.notNull()).execute();
  const itemId = sql`case when item_kind = 'credential' then cast(account_id as text) else item_ref end`;
  await sql`insert into key_wraps (item_kind, item_id, item_version, person_id, key_fingerprint, wrapped, created_at)
    select item_kind, ${itemId}, item_version, person_id, key_fingerprint, wrapped, created_at from wraps
    where recipient = 'person' and item_kind <> 'rotation' and revoked_at is null order by id`.execute(db);
  await sql`insert into org_wraps (item_kind, item_id, item_version, org_fingerprint, wrapped, created_at)
    select item_kind, ${itemId}, item_version, key_fingerprint, wrapped, created_at from wraps where recipient = 'org' order by id`.execute(db);
  await sql`insert into recovery_wraps (item_kind, item_id, recovery_fingerprint, wrapped, created_at)
    select item_kind, item_ref, key_fingerprint, wrapped, created_at from wraps where recipient = 'recovery' order by id`.execute(db);
  await sql`alter table rotations add column wrapped text not null default ''`.execute(db);
  await sql`update rotations set wrapped = (select w.wrapped from wraps w where w.item_kind = 'rotation' and w.account_id = rotations.account_id
    and w.item_ref = rotations.started_at and w.revoked_at is null)`.execute(db);
  await db.schema.dropTable('wraps').execute();
  await sql`delete from gmv_migrations where version >= 5`.execute(db);
}
