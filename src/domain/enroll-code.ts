/** Enrollment codes: 10 Crockford base32 characters (50 bits) shown as XXXXX-XXXXX, forgiving of case, dashes and O/0, I/L/1. */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newEnrollCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]!).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Canonical form of what a person typed, or null if it cannot be a code. */
export function normalizeEnrollCode(typed: string): string | null {
  const folded = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{10}$/.test(folded)) return null;
  return `${folded.slice(0, 5)}-${folded.slice(5)}`;
}

/** What the vault stores: the code is a bearer secret until approval. */
export function enrollCodeHash(code: string): string {
  return createHash('sha256').update(`gmv-enroll:${code}`).digest('hex');
}
