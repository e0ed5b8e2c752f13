/**
 * Credential versions: each one sealed under a fresh data key, wrapped for exactly the people
 * granted at that moment (and for the organisation key, so officers can grant later). Old versions
 * keep their old wraps: revocation is "no new wraps" plus a rotation.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import { seal, open, parseEnvelope } from '../crypto/envelope.js';
import { encryptTo, readPublic } from '../crypto/pgp.js';
import { fieldSummary, parseCredential, serializeCredential, type CredentialContent } from '../domain/credential.js';
import { currentOrgKeyRow, wrapForPeople, unwrap, type KeyHolder } from './keys.js';

export interface AccountRef {
  id: number;
  slug: string;
}

/** People whose grant on the account is in force now, with their active keys. */
export async function currentGrantees(db: Kysely<DB>, accountId: number, now: Date) {
  const rows = await db.selectFrom('grants')
    .innerJoin('people', 'people.id', 'grants.person_id')
    .innerJoin('person_keys', 'person_keys.person_id', 'people.id')
    .select(['people.id as person_id', 'people.login', 'person_keys.fingerprint', 'person_keys.public_key', 'grants.until'])
    .where('grants.account_id', '=', accountId).where('grants.removed_at', 'is', null)
    .where('people.status', '=', 'active').where('person_keys.status', '=', 'active')
    .execute();
  const live = rows.filter((r) => !r.until || new Date(r.until) > now);
  return Promise.all(live.map(async (r) => ({ personId: Number(r.person_id), login: r.login, fingerprint: r.fingerprint, publicKey: await readPublic(r.public_key) })));
}

/** Seal `content` as the account's next version, wrapped for current grantees and the org key. */
export async function writeVersion(trx: Kysely<DB>, account: AccountRef, content: CredentialContent, meta: { reason: string; by: string; at: Date; passwordHash: string | null }): Promise<number> {
  const last = await trx.selectFrom('credential_versions').select((eb) => eb.fn.max('version').as('v')).where('account_id', '=', account.id).executeTakeFirst();
  const version = Number(last?.v ?? 0) + 1;
  const dataKey = randomBytes(32);
  try {
    const envelope = seal(dataKey, serializeCredential(content), { purpose: 'credential', account: account.slug, version });
    const createdAt = meta.at.toISOString();
    await trx.insertInto('credential_versions').values({
      account_id: account.id, version, envelope: JSON.stringify(envelope), password_hash: meta.passwordHash,
      fields: JSON.stringify(fieldSummary(content)), reason: meta.reason, created_by: meta.by, created_at: createdAt,
    }).execute();
    const grantees = await currentGrantees(trx, account.id, meta.at);
    await wrapForPeople(trx, { kind: 'credential', id: String(account.id), version }, dataKey, grantees, createdAt);
    const org = await currentOrgKeyRow(trx);
    await trx.insertInto('org_wraps').values({
      item_kind: 'credential', item_id: String(account.id), item_version: version, org_fingerprint: org.fingerprint,
      wrapped: Buffer.from(await encryptTo(dataKey, [await readPublic(org.public_key)])).toString('base64'), created_at: createdAt,
    }).execute();
    return version;
  } finally {
    dataKey.fill(0);
  }
}

export interface OpenedVersion {
  version: number;
  content: CredentialContent;
  createdAt: string;
}

/** The latest version (or a given one) opened with the holder's own wrap; null when the account has none yet. */
export async function readVersion(db: Kysely<DB>, holder: KeyHolder, account: AccountRef, version?: number): Promise<OpenedVersion | null> {
  let q = db.selectFrom('credential_versions').select(['version', 'envelope', 'created_at']).where('account_id', '=', account.id);
  q = version === undefined ? q.orderBy('version', 'desc') : q.where('version', '=', version);
  const row = await q.executeTakeFirst();
  if (!row) return null;
  const dataKey = await unwrapVersion(db, holder, account.id, Number(row.version));
  if (!dataKey) throw new GmvError('DENIED_ROLE', { action: `reading version ${row.version} of ${account.slug}`, role: 'a grant in force when that version was written', login: holder.login });
  try {
    return { version: Number(row.version), content: parseCredential(open(dataKey, parseEnvelope(row.envelope))), createdAt: row.created_at };
  } finally {
    dataKey.fill(0);
  }
}

async function unwrapVersion(db: Kysely<DB>, holder: KeyHolder, accountId: number, version: number): Promise<Buffer | null> {
  const row = await db.selectFrom('key_wraps').select('wrapped')
    .where('item_kind', '=', 'credential').where('item_id', '=', String(accountId)).where('item_version', '=', version)
    .where('key_fingerprint', '=', holder.keyFingerprint).executeTakeFirst();
  return row ? holder.decrypt(Buffer.from(row.wrapped, 'base64')) : null;
}

/** Wrap the latest version for one more person, using the org escrow (an officer's org key) to get the data key. */
export async function wrapLatestFor(trx: Kysely<DB>, account: AccountRef, orgDecrypt: (data: Uint8Array) => Promise<Buffer>, grantee: { personId: number; fingerprint: string; publicKey: import('openpgp').PublicKey }, at: Date): Promise<number | null> {
  const latest = await trx.selectFrom('credential_versions').select('version').where('account_id', '=', account.id).orderBy('version', 'desc').executeTakeFirst();
  if (!latest) return null;
  const version = Number(latest.version);
  const exists = await trx.selectFrom('key_wraps').select('id').where('item_kind', '=', 'credential').where('item_id', '=', String(account.id))
    .where('item_version', '=', version).where('key_fingerprint', '=', grantee.fingerprint).executeTakeFirst();
  if (exists) return version;
  const org = await trx.selectFrom('org_wraps').select('wrapped').where('item_kind', '=', 'credential').where('item_id', '=', String(account.id)).where('item_version', '=', version).executeTakeFirst();
  if (!org) throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyMismatch' });
  const dataKey = await orgDecrypt(Buffer.from(org.wrapped, 'base64'));
  try {
    await wrapForPeople(trx, { kind: 'credential', id: String(account.id), version }, dataKey, [grantee], at.toISOString());
  } finally {
    dataKey.fill(0);
  }
  return version;
}

export { unwrap };
