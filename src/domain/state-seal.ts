/**
 * The records a state seal signs (docs/SECURITY.md, "Rows that grant power"). A change that sets a
 * row deciding access — a person's roles and status, a grant, the policy pack in force — signs one
 * seal: the canonical list of the digests of the records it wrote, each naming the vault. The row
 * names its seal; the access decision rebuilds the record from the row as it is, and the row counts
 * only when its digest is in a seal signed by a key allowed to set it. A row written with plain SQL
 * has no seal, and a changed one no longer matches the seal it names.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

export const SEAL_FORMAT = 'gmv-state-seal-1';

/** What a sealed row says, in the fields that decide access. */
export type SealedRecord =
  | { kind: 'person'; login: string; roles: readonly string[]; status: string }
  | { kind: 'grant'; person: number; account: number; can: readonly string[]; until: string | null; grantedAt: string }
  | { kind: 'policy'; pack: string; override: string | null };

/** The canonical text of a record of this vault (roles and capabilities sorted, instants as milliseconds). */
export function sealedRecordText(vaultId: string, record: SealedRecord): string {
  switch (record.kind) {
    case 'person':
      return canonicalJson({ kind: 'person', vault: vaultId, login: record.login, roles: [...record.roles].sort(), status: record.status });
    case 'grant':
      return canonicalJson({
        kind: 'grant', vault: vaultId, person: record.person, account: record.account, can: [...record.can].sort(),
        until: record.until === null ? null : instant(record.until), granted_at: instant(record.grantedAt),
      });
    case 'policy':
      return canonicalJson({ kind: 'policy', vault: vaultId, pack: record.pack, override: record.override });
  }
}

/** An instant as milliseconds since the epoch, so PostgreSQL's and SQLite's spellings of one time agree. */
function instant(text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new TypeError(`not an instant: ${text}`);
  return ms;
}

export function sealedRecordDigest(vaultId: string, record: SealedRecord): string {
  return createHash('sha256').update(sealedRecordText(vaultId, record), 'utf8').digest('hex');
}

export interface SealBody {
  format: typeof SEAL_FORMAT;
  vault: string;
  at: string;
  /** SHA-256 of each sealed record's canonical text, sorted. */
  rows: string[];
}

export function sealBodyText(vaultId: string, at: string, digests: readonly string[]): string {
  return canonicalJson({ format: SEAL_FORMAT, vault: vaultId, at, rows: [...new Set(digests)].sort() });
}

/** A stored seal body, or null when it is not one of this vault. */
export function parseSealBody(text: string, vaultId: string): SealBody | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const body = value as Partial<SealBody> | null;
  if (!body || body.format !== SEAL_FORMAT || body.vault !== vaultId || typeof body.at !== 'string' || !Array.isArray(body.rows)) return null;
  if (!body.rows.every((d) => typeof d === 'string' && /^[0-9a-f]{64}$/.test(d))) return null;
  // Only the canonical spelling: the bytes signed are the bytes stored.
  if (sealBodyText(vaultId, body.at, body.rows) !== text) return null;
  return body as SealBody;
}
