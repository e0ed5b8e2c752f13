/**
 * Refusing recently used passwords without keeping them: each version stores an argon2id hash of
 * its password (moderate cost: these are compared N at a time, and the values are high-entropy).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

const COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  const argon2 = await import('argon2');
  return argon2.hash(password, { type: argon2.argon2id, ...COST });
}

/** True when `password` equals one of the account's last `history` passwords. */
export async function isRecentPassword(db: Kysely<DB>, accountId: number, password: string, history: number): Promise<boolean> {
  const argon2 = await import('argon2');
  const rows = await db.selectFrom('credential_versions').select('password_hash').where('account_id', '=', accountId)
    .where('password_hash', 'is not', null).orderBy('version', 'desc').limit(history).execute();
  for (const row of rows) if (await argon2.verify(row.password_hash!, password)) return true;
  return false;
}
