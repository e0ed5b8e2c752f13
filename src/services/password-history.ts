/**
 * Refusing recently used passwords without keeping them. Each version that sets a password stores
 * a keyed hash of it: HMAC-SHA256 under the account's history key, a random 32-byte key that is
 * sealed with the version's field keys and wrapped exactly for those who may read the password
 * (and the organisation's escrow). So the hash is no help to anyone who has the database but not
 * such a key — not even a guess at a time, unlike a password-hashing KDF, whose hashes anyone with
 * a copy can attack offline — and whoever holds the key can already read the password itself. It
 * costs microseconds per row, so an import of 10,000 accounts does not spend minutes in argon2.
 *
 * Versions written before this kept an argon2id hash (`$argon2id$…`); those are still compared.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { freshBytes } from '../crypto/random.js';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';

const PREFIX = 'hk1$';

export function newHistoryKey(): Buffer {
  return freshBytes(32);
}

/** The stored hash of a password of one account under its history key. */
export function keyedPasswordHash(historyKey: Uint8Array, accountId: number, password: string): string {
  const mac = createHmac('sha256', historyKey).update(`gmv password-history/1\0${accountId}\0`).update(password, 'utf8').digest('base64');
  return `${PREFIX}${mac}`;
}

/**
 * True when `password` equals one of the account's last `history` passwords. `historyKey` is the
 * account's, from the newest version the caller opened; a keyed hash with no key to compare it
 * under means the newest version lost its history key, which only an altered vault does.
 */
export async function isRecentPassword(db: Kysely<DB>, account: { id: number; slug: string }, password: string, history: number, historyKey: Uint8Array | null | undefined): Promise<boolean> {
  const rows = await db.selectFrom('credential_versions').select(['version', 'password_hash']).where('account_id', '=', account.id)
    .where('password_hash', 'is not', null).orderBy('version', 'desc').limit(history).execute();
  let keyed: Buffer | null = null;
  for (const row of rows) {
    const stored = row.password_hash!;
    if (stored.startsWith(PREFIX)) {
      if (!historyKey) throw new GmvError('CREDENTIAL_TAMPERED', { account: account.slug, version: Number(row.version) });
      keyed ??= Buffer.from(keyedPasswordHash(historyKey, account.id, password), 'utf8');
      const other = Buffer.from(stored, 'utf8');
      if (other.length === keyed.length && timingSafeEqual(other, keyed)) return true;
    } else {
      const argon2 = await import('argon2');
      if (await argon2.verify(stored, password)) return true;
    }
  }
  return false;
}
