/** The ordered list of schema migrations, the same for SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import { initial } from './001-initial.js';
import { identity } from './002-identity.js';
import { credentials } from './003-credentials.js';
import { personKeyCertification } from './004-person-key-certification.js';
import { wraps } from './005-wraps.js';
import { calendars } from './006-calendars.js';
import { checklists } from './007-checklists.js';
import { filing } from './012-filing.js';
import { staffRecords } from './013-staff-records.js';
import { impersonation } from './014-impersonation.js';
import { orgTransitions } from './015-org-transitions.js';
import { stateSeals } from './016-state-seals.js';
import { liveGrantsIndex } from './017-live-grants-index.js';
import { SCHEMA_VERSION } from '../schema-version.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [initial, identity, credentials, personKeyCertification, wraps, calendars, checklists, filing, staffRecords, impersonation, orgTransitions, stateSeals, liveGrantsIndex];
export { SCHEMA_VERSION };
if (MIGRATIONS[MIGRATIONS.length - 1]!.version !== SCHEMA_VERSION) {
  throw new Error('store/schema-version.ts must name the last migration\'s version');
}
