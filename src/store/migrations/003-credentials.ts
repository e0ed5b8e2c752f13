/** The credential vault: accounts, versioned encrypted credentials, grants, rotation, recovery-code use, bindings. */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const credentials: Migration = {
  version: 3,
  name: 'credentials',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('accounts'), dialect)
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id'))
      .addColumn('login_id', 'text')
      .addColumn('filing_number', 'text')
      .addColumn('filed_on', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('archived_at', 'text')
      .execute();
    await withSerialId(db.schema.createTable('credential_versions'), dialect)
      .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('envelope', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('credential_versions_once', ['account_id', 'version'])
      .execute();
    await withSerialId(db.schema.createTable('org_wraps'), dialect)
      .addColumn('item_kind', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('item_version', 'integer', (c) => c.notNull())
      .addColumn('org_fingerprint', 'text', (c) => c.notNull().references('org_keys.fingerprint'))
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('org_wraps_once', ['item_kind', 'item_id', 'item_version', 'org_fingerprint'])
      .execute();
    await withSerialId(db.schema.createTable('grants'), dialect)
      .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id'))
      .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
      .addColumn('can', 'text', (c) => c.notNull())
      .addColumn('until', 'text')
      .addColumn('granted_by', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addColumn('removed_by', 'text')
      .addColumn('removed_at', 'text')
      .execute();
    await db.schema.createIndex('grants_by_account').on('grants').columns(['account_id', 'person_id']).execute();
    await db.schema.createIndex('grants_by_person').on('grants').columns(['person_id']).execute();
    await db.schema.createTable('rotations')
      .addColumn('account_id', 'integer', (c) => c.primaryKey().references('accounts.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('started_by_person', 'integer', (c) => c.notNull().references('people.id'))
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('envelope', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .execute();
    await withSerialId(db.schema.createTable('rotation_queue'), dialect)
      .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('due_on', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('done_at', 'text')
      .execute();
    await db.schema.createTable('recovery_code_uses')
      .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('code_index', 'integer', (c) => c.notNull())
      .addColumn('used_by', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('recovery_code_uses_pk', ['account_id', 'version', 'code_index'])
      .execute();
    await withSerialId(db.schema.createTable('bindings'), dialect)
      .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
      .addColumn('person_id', 'integer', (c) => c.references('people.id'))
      .addColumn('external_name', 'text')
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('bound_on', 'text', (c) => c.notNull())
      .addColumn('expires_on', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'text')
      .addColumn('removed_by', 'text')
      .execute();
  },
};
