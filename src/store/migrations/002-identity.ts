/** People, devices and sessions: device CA and CRLs, certificates, login throttling, TOTP, recovery keys. */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const identity: Migration = {
  version: 2,
  name: 'identity',
  async up(db: Kysely<any>, dialect) {
    await db.schema.alterTable('person_keys').addColumn('status', 'text', (c) => c.notNull().defaultTo('active')).execute();
    for (const [name, type] of [
      ['rsa_public_key', 'text'], ['csr', 'text'], ['cert_pem', 'text'], ['cert_serial', 'text'], ['cert_not_after', 'text'],
      ['enroll_code_hash', 'text'], ['approved_by', 'text'], ['approved_at', 'text'], ['revoke_reason', 'text'],
    ] as const) {
      await db.schema.alterTable('devices').addColumn(name, type).execute();
    }
    await db.schema.createIndex('devices_by_code').on('devices').column('enroll_code_hash').execute();
    await db.schema.createTable('device_ca')
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('cert_pem', 'text', (c) => c.notNull())
      .addColumn('private_envelope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('crls')
      .addColumn('crl_number', 'integer', (c) => c.primaryKey())
      .addColumn('pem', 'text', (c) => c.notNull())
      .addColumn('this_update', 'text', (c) => c.notNull())
      .addColumn('next_update', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('login_throttle')
      .addColumn('person_id', 'integer', (c) => c.primaryKey().references('people.id'))
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('last_failure_at', 'text')
      .addColumn('locked_at', 'text')
      .execute();
    await db.schema.createTable('mfa_totp')
      .addColumn('person_id', 'integer', (c) => c.primaryKey().references('people.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('digits', 'integer', (c) => c.notNull())
      .addColumn('period', 'integer', (c) => c.notNull())
      .addColumn('seed_envelope', 'text', (c) => c.notNull())
      .addColumn('last_step', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('key_transfers')
      .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id'))
      .addColumn('person_id', 'integer', (c) => c.notNull().references('people.id'))
      .addColumn('key_fingerprint', 'text', (c) => c.notNull().references('person_keys.fingerprint'))
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('recovery_keys')
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('shares', 'integer', (c) => c.notNull())
      .addColumn('threshold', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await withSerialId(db.schema.createTable('recovery_wraps'), dialect)
      .addColumn('item_kind', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('recovery_fingerprint', 'text', (c) => c.notNull().references('recovery_keys.fingerprint'))
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
