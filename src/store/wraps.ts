/**
 * The wraps repository: every data key gmv wraps, for whom, and until when it applied. Wraps are
 * never deleted; one that stops applying (a grant removed, an officer demoted, a TOTP seed
 * replaced, a rotation finished) gets `revoked_at` and a reason, so `exposure` can answer what a
 * person could ever decrypt.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import { insertMany } from './batches.js';

export type WrapKind = 'org-key' | 'device-ca' | 'mfa-seed' | 'credential' | 'rotation';
export type RecipientKind = 'person' | 'org' | 'recovery';

/** What a wrap opens: a credential or rotation of an account, or a key named by `ref`. */
export interface WrapItem {
  kind: WrapKind;
  accountId?: number | null;
  /** Fingerprint of the org/CA key, login for an MFA seed, start time of a rotation; '' for credentials. */
  ref?: string;
  version: number;
}

export interface WrapRow {
  item: WrapItem;
  recipient: RecipientKind;
  personId: number | null;
  keyFingerprint: string;
  /** Base64 of the OpenPGP message holding the data key. */
  wrapped: string;
  at: string;
}

/** Insert wraps, one statement per few hundred. */
export async function insertWraps(trx: Kysely<DB>, rows: readonly WrapRow[]): Promise<void> {
  await insertMany(trx, 'wraps', rows.map((r) => ({
    item_kind: r.item.kind, account_id: r.item.accountId ?? null, item_ref: r.item.ref ?? '', item_version: r.item.version,
    recipient: r.recipient, person_id: r.personId, key_fingerprint: r.keyFingerprint, wrapped: r.wrapped,
    created_at: r.at, revoked_at: null, revoked_reason: null,
  })));
}

function whereItem<Q extends { where: (...args: any[]) => Q }>(q: Q, item: Omit<WrapItem, 'version'> & { version?: number }): Q {
  let out = q.where('item_kind', '=', item.kind);
  out = item.accountId == null ? out.where('account_id', 'is', null) : out.where('account_id', '=', item.accountId);
  out = out.where('item_ref', '=', item.ref ?? '');
  if (item.version !== undefined) out = out.where('item_version', '=', item.version);
  return out;
}

/** The wrap in force of an item for one key (the newest version when `version` is left out). */
export async function liveWrap(db: Kysely<DB>, item: Omit<WrapItem, 'version'> & { version?: number }, keyFingerprint: string, recipient: RecipientKind = 'person'): Promise<{ wrapped: string; version: number } | null> {
  const q = whereItem(db.selectFrom('wraps').select(['wrapped', 'item_version']), item)
    .where('recipient', '=', recipient).where('key_fingerprint', '=', keyFingerprint).where('revoked_at', 'is', null)
    .orderBy('item_version', 'desc');
  const row = await q.executeTakeFirst();
  return row ? { wrapped: row.wrapped, version: Number(row.item_version) } : null;
}

/**
 * The organisation's escrow of one credential version in force (any org key it was escrowed under),
 * or null. One escrow holds every field of the version, whatever fields its `item_ref` names.
 */
export async function escrowWrap(db: Kysely<DB>, item: { accountId: number; version: number }): Promise<{ wrapped: string; orgFingerprint: string } | null> {
  const row = await db.selectFrom('wraps').select(['wrapped', 'key_fingerprint']).where('item_kind', '=', 'credential')
    .where('account_id', '=', item.accountId).where('item_version', '=', item.version)
    .where('recipient', '=', 'org').where('revoked_at', 'is', null).orderBy('id', 'desc').executeTakeFirst();
  return row ? { wrapped: row.wrapped, orgFingerprint: row.key_fingerprint } : null;
}

/** Whether a wrap of the organisation key is in force for one of the person's keys (they hold it now). */
export async function holdsOrgKey(db: Kysely<DB>, personId: number): Promise<boolean> {
  const row = await db.selectFrom('wraps').select('id').where('item_kind', '=', 'org-key').where('person_id', '=', personId).where('revoked_at', 'is', null).executeTakeFirst();
  return Boolean(row);
}

export interface RevokeFilter {
  personId: number;
  kinds: WrapKind[];
  accountId?: number;
  ref?: string;
}

/** Mark a person's wraps in force as no longer applying; returns how many. */
export async function revokeWraps(trx: Kysely<DB>, filter: RevokeFilter, at: string, reason: string, setVersion?: number): Promise<number> {
  let q = trx.updateTable('wraps').set({ revoked_at: at, revoked_reason: reason, ...(setVersion !== undefined ? { item_version: setVersion } : {}) })
    .where('person_id', '=', filter.personId).where('item_kind', 'in', filter.kinds).where('revoked_at', 'is', null);
  if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
  if (filter.ref !== undefined) q = q.where('item_ref', '=', filter.ref);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** One (item, version) a person could decrypt, how, and from when until when. */
export interface ExposureRow {
  kind: WrapKind;
  accountId: number | null;
  account: string | null;
  ref: string;
  version: number;
  /** `own-wrap`: a data key wrapped for the person's key. `org-key`: escrowed under an org key they held. */
  via: 'own-wrap' | 'org-key';
  from: string;
  /** When gmv stopped handing it to them (the wrap revoked, the org key taken away); null while it applies. */
  until: string | null;
}

/**
 * Everything a person could ever decrypt: every wrap made for any of their keys, and every version
 * escrowed under an organisation key before the moment they stopped holding it (an officer could
 * open any escrow under that key, including those written before they became one). Cryptographic
 * exposure does not end at `until` for anyone who kept a copy of the vault: that is why the
 * remedy is rotation, and why offboarding reads this.
 */
export async function exposure(db: Kysely<DB>, personId: number): Promise<ExposureRow[]> {
  const own = db.selectFrom('wraps as w').leftJoin('accounts as a', 'a.id', 'w.account_id')
    .select(['w.item_kind as kind', 'w.account_id as account_id', 'a.slug as slug', 'w.item_ref as ref', 'w.item_version as version',
      sql<string>`'own-wrap'`.as('via'), 'w.created_at as from_at', 'w.revoked_at as until_at'])
    .where('w.recipient', '=', 'person').where('w.person_id', '=', personId);
  const escrowed = db.selectFrom('wraps as h')
    .innerJoin('wraps as e', (j) => j.onRef('e.key_fingerprint', '=', 'h.item_ref').on('e.recipient', '=', 'org'))
    .leftJoin('accounts as a', 'a.id', 'e.account_id')
    .select(['e.item_kind as kind', 'e.account_id as account_id', 'a.slug as slug', 'e.item_ref as ref', 'e.item_version as version',
      sql<string>`'org-key'`.as('via'), 'h.created_at as from_at', 'h.revoked_at as until_at'])
    .where('h.recipient', '=', 'person').where('h.person_id', '=', personId).where('h.item_kind', '=', 'org-key')
    .where((eb) => eb.or([eb('h.revoked_at', 'is', null), eb('e.created_at', '<', eb.ref('h.revoked_at'))]));
  const rows = await own.unionAll(escrowed).execute();
  return rows.map((r) => ({
    kind: r.kind as WrapKind, accountId: r.account_id === null ? null : Number(r.account_id), account: r.slug ?? null, ref: r.ref,
    version: Number(r.version), via: r.via as ExposureRow['via'], from: r.from_at, until: r.until_at ?? null,
  })).sort((a, b) => (a.account ?? '').localeCompare(b.account ?? '') || a.kind.localeCompare(b.kind) || a.version - b.version || a.via.localeCompare(b.via));
}

/** The accounts whose credential a person could have decrypted, with the versions (for rotation after a departure). */
export function exposedAccounts(rows: ExposureRow[]): Map<number, { account: string; versions: number[] }> {
  const out = new Map<number, { account: string; versions: number[] }>();
  for (const r of rows) {
    if ((r.kind !== 'credential' && r.kind !== 'rotation') || r.accountId === null) continue;
    const entry = out.get(r.accountId) ?? { account: r.account ?? String(r.accountId), versions: [] };
    if (r.version > 0 && !entry.versions.includes(r.version)) entry.versions.push(r.version);
    entry.versions.sort((a, b) => a - b);
    out.set(r.accountId, entry);
  }
  return out;
}
