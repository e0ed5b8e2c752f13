/**
 * Organisation re-keys (`gmv org rekey`): each row is the transition statement from one
 * organisation key and device CA to the next, signed by the old org key, the new org key and the
 * old device CA, so a verifier or a terminal that pinned the old keys follows the chain.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const orgTransitions: Migration = {
  version: 15,
  name: 'org-transitions',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('org_transitions'), dialect)
      .addColumn('from_org', 'text', (c) => c.notNull().unique())
      .addColumn('to_org', 'text', (c) => c.notNull().unique())
      // The canonical statement (audit/org-chain.ts#transitionText) the three signatures cover.
      .addColumn('body', 'text', (c) => c.notNull())
      // Base64 OpenPGP detached signatures by the old and the new organisation key.
      .addColumn('from_signature', 'text', (c) => c.notNull())
      .addColumn('to_signature', 'text', (c) => c.notNull())
      // Base64 RSA-SHA256 signature by the old device CA's key (terminals pin the CA).
      .addColumn('ca_signature', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
