/** The spine: organisation, keys, people, devices, key wraps and the audit log. */
import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  async up(db: Kysely<any>, dialect) {
    await db.schema.createTable('vault_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('org')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('org_keys')
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('private_envelope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await withSerialId(db.schema.createTable('policies'), dialect)
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
    await withSerialId(db.schema.createTable('units'), dialect)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await withSerialId(db.schema.createTable('people'), dialect)
      .addColumn('login', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id'))
      .addColumn('employer', 'text')
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('person_keys')
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id'))
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('retired_at', 'text')
      .execute();
    await db.schema.createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'integer', (c) => c.references('people.id'))
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('signing_fingerprint', 'text', (c) => c.notNull().unique())
      .addColumn('signing_public_key', 'text', (c) => c.notNull())
      .addColumn('certification', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await withSerialId(db.schema.createTable('person_key_locks'), dialect)
      .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id'))
      .addColumn('key_fingerprint', 'text', (c) => c.notNull().references('person_keys.fingerprint'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
      .addColumn('envelope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('person_key_locks_once', ['key_fingerprint', 'device_id'])
      .execute();
    await withSerialId(db.schema.createTable('key_wraps'), dialect)
      .addColumn('item_kind', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('item_version', 'integer', (c) => c.notNull())
      .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id'))
      .addColumn('key_fingerprint', 'text', (c) => c.notNull().references('person_keys.fingerprint'))
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('key_wraps_once', ['item_kind', 'item_id', 'item_version', 'key_fingerprint'])
      .execute();
    await db.schema.createIndex('key_wraps_by_person').on('key_wraps').columns(['person_id', 'item_kind']).execute();
    await db.schema.createTable('audit_entries')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('body', 'text')
      .addColumn('leaf_hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_by_actor').on('audit_entries').columns(['actor', 'seq']).execute();
    await db.schema.createIndex('audit_by_subject').on('audit_entries').columns(['subject', 'seq']).execute();
    await db.schema.createIndex('audit_by_at').on('audit_entries').columns(['at']).execute();
    await db.schema.createTable('audit_tree')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('frontier', 'text', (c) => c.notNull())
      .execute();
    await withSerialId(db.schema.createTable('audit_checkpoints'), dialect)
      .addColumn('tree_size', 'integer', (c) => c.notNull())
      .addColumn('root', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('signer_fingerprint', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_checkpoints_by_size').on('audit_checkpoints').columns(['tree_size']).execute();
  },
};

