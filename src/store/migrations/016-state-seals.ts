/**
 * Signed access state (docs/SECURITY.md, "Rows that grant power"): the rows that decide access —
 * a person's roles and status, a grant, the policy pointer — name the seal that signed them. A
 * seal is one signature over the digests of the rows one change wrote (domain/state-seal.ts),
 * checked by the access decision. Rows an older gmv wrote have no seal until a security officer
 * runs `gmv vault seal-state`, which seals only what the signed log agrees with.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const stateSeals: Migration = {
  version: 16,
  name: 'state-seals',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('state_seals'), dialect)
      // The canonical seal body (domain/state-seal.ts#sealBodyText): vault, time, row digests.
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('signer_fingerprint', 'text', (c) => c.notNull())
      // Base64 OpenPGP detached signature over the body.
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('people').addColumn('seal', 'integer').execute();
    await db.schema.alterTable('grants').addColumn('seal', 'integer').execute();
  },
};
