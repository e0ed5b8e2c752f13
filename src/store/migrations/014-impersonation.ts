/**
 * Counterfeit-account cases (Art. 29): who found a suspected counterfeit of one of the unit's
 * accounts, when, where (platform, address or handle), the evidence files' hashes, and the
 * checklist run that takes the case through verification, help from the CAC and police, the
 * platform's shutdown and the report upward. The case closes when that run is complete.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.js';
import { withSerialId } from './columns.js';

export const impersonation: Migration = {
  version: 14,
  name: 'impersonation',
  async up(db: Kysely<any>, dialect) {
    await withSerialId(db.schema.createTable('impersonation_cases'), dialect)
      // IMP-YYYY-NNNN: the China year of the report and its number in that year.
      .addColumn('case_no', 'text', (c) => c.notNull().unique())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('handle', 'text')
      // The unit's account it imitates, when known.
      .addColumn('account_id', 'integer')
      .addColumn('note', 'text')
      // JSON [{name, sha256, size}]: the files are not stored, only what identifies them.
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('reported_by', 'text', (c) => c.notNull())
      .addColumn('reported_at', 'text', (c) => c.notNull())
      // The checklist run the report opened; null when the pack triggers none on impersonation-report.
      .addColumn('run_id', 'text')
      .addColumn('closed_at', 'text')
      .execute();
    await db.schema.createIndex('impersonation_cases_by_run').on('impersonation_cases').column('run_id').execute();
  },
};
