/**
 * Credential versions: each one sealed under a fresh data key, wrapped for exactly the people
 * granted at that moment (and for the organisation key, so officers can grant later). Old versions
 * keep their old wraps: revocation is "no new wraps" plus a rotation.
 */
import { grantInForce } from '../domain/access-rules.js';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import { seal, open, parseEnvelope, EnvelopeError } from '../crypto/envelope.js';
import { readPublic } from '../crypto/pgp.js';
import { escrowWrap, liveWrap } from '../store/wraps.js';
import { fieldSummary, parseCredential, serializeCredential, type CredentialContent } from '../domain/credential.js';
import { currentOrgKeyRow, wrapFor, wrapForPeople, unwrap, type KeyHolder } from './keys.js';

export interface AccountRef {
  id: number;
  slug: string;
}

/** People whose grant on the account is in force now, with their active keys. */
export async function currentGrantees(db: Kysely<DB>, accountId: number, now: Date) {
  const [twice] = await db.selectFrom('grants').innerJoin('people', 'people.id', 'grants.person_id').innerJoin('accounts', 'accounts.id', 'grants.account_id')
    .select((eb) => ['people.login', 'accounts.slug', eb.fn.countAll().as('n')])
    .where('grants.account_id', '=', accountId).where('grants.removed_at', 'is', null)
    .groupBy(['people.login', 'accounts.slug']).having((eb) => eb.fn.countAll(), '>', 1).limit(1).execute();
  if (twice) throw new GmvError('GRANT_DUPLICATE', { login: twice.login, account: twice.slug, count: Number(twice.n) });
  const rows = await db.selectFrom('grants')
    .innerJoin('people', 'people.id', 'grants.person_id')
    .innerJoin('person_keys', 'person_keys.person_id', 'people.id')
    .select(['people.id as person_id', 'people.login', 'person_keys.fingerprint', 'person_keys.public_key', 'grants.until'])
    .where('grants.account_id', '=', accountId).where('grants.removed_at', 'is', null)
    .where('people.status', '=', 'active').where('person_keys.status', '=', 'active')
    .execute();
  const live = rows.filter((r) => grantInForce(r, now));
  return Promise.all(live.map(async (r) => ({ personId: Number(r.person_id), login: r.login, fingerprint: r.fingerprint, publicKey: await readPublic(r.public_key) })));
}

/** Seal `content` as the account's next version, wrapped for current grantees and the org key. */
export async function writeVersion(trx: Kysely<DB>, account: AccountRef, content: CredentialContent, meta: { reason: string; by: string; at: Date; passwordHash: string | null }): Promise<number> {
  const last = await trx.selectFrom('credential_versions').select((eb) => eb.fn.max('version').as('v')).where('account_id', '=', account.id).executeTakeFirst();
  const version = Number(last?.v ?? 0) + 1;
  const dataKey = randomBytes(32);
  try {
    // The header is authenticated: it binds the envelope to this account row and this version.
    const envelope = seal(dataKey, serializeCredential(content), { purpose: 'credential', account: account.slug, account_id: account.id, version });
    const createdAt = meta.at.toISOString();
    await trx.insertInto('credential_versions').values({
      account_id: account.id, version, envelope: JSON.stringify(envelope), password_hash: meta.passwordHash,
      fields: JSON.stringify(fieldSummary(content)), reason: meta.reason, created_by: meta.by, created_at: createdAt,
    }).execute();
    const grantees = await currentGrantees(trx, account.id, meta.at);
    const org = await currentOrgKeyRow(trx);
    await wrapFor(trx, { kind: 'credential', accountId: account.id, version }, dataKey, [
      ...grantees.map((g) => ({ recipient: 'person' as const, ...g })),
      { recipient: 'org' as const, fingerprint: org.fingerprint, publicKey: await readPublic(org.public_key) },
    ], createdAt);
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
  if (version === undefined) await checkNewestVersion(db, account, row ? Number(row.version) : 0);
  if (!row) return null;
  const v = Number(row.version);
  const wrap = await liveWrap(db, { kind: 'credential', accountId: account.id, version: v }, holder.keyFingerprint);
  if (!wrap) throw new GmvError('NO_WRAP', { account: account.slug, version: v, login: holder.login });
  const dataKey = await holder.decrypt(Buffer.from(wrap.wrapped, 'base64'));
  try {
    return { version: v, content: parseCredential(openVersion(dataKey, row.envelope, account, v)), createdAt: row.created_at };
  } finally {
    dataKey.fill(0);
  }
}

/** Audit actions whose entry records the version a change wrote (in `details.version`). */
const VERSION_WRITERS = ['secret.set', 'rotate.confirm', 'account.add'];

/**
 * The newest version is covered by the log: every write records the version it made, so a vault
 * whose newest stored version is older (newer ones deleted: a rollback to a stale password) or
 * newer (one planted without gmv) than the log's is an integrity failure naming the account.
 * When the entry that wrote it was pruned, the log no longer says, and nothing is compared.
 */
async function checkNewestVersion(db: Kysely<DB>, account: AccountRef, stored: number): Promise<void> {
  const entry = await db.selectFrom('audit_entries').select(['action', 'body']).where('subject', '=', account.slug)
    .where('action', 'in', VERSION_WRITERS).where('outcome', '=', 'ok').orderBy('seq', 'desc').executeTakeFirst();
  if (!entry) {
    if (stored > 0) throw new GmvError('CREDENTIAL_ROLLBACK', { account: account.slug, stored, logged: 0 });
    return;
  }
  if (!entry.body || !entry.body.startsWith('{')) return;
  const recorded = (JSON.parse(entry.body) as { details?: { version?: unknown } }).details?.version;
  // An account added without a first version records none: it then had version 0.
  const logged = typeof recorded === 'number' ? recorded : entry.action === 'account.add' ? 0 : null;
  if (logged !== null && logged !== stored) throw new GmvError('CREDENTIAL_ROLLBACK', { account: account.slug, stored, logged });
}

/**
 * Open one stored version and check it is the one asked for: an envelope that fails to
 * authenticate, or whose authenticated header names another account or version (rows swapped
 * in the database), is an integrity failure naming the account and version.
 */
export function openVersion(dataKey: Uint8Array, text: string, account: AccountRef, version: number): Buffer {
  try {
    const envelope = parseEnvelope(text);
    const header = envelope.header as { purpose?: unknown; account?: unknown; account_id?: unknown; version?: unknown };
    const plain = open(dataKey, envelope);
    // Both the row id and the slug: swapping two accounts' slugs must not swap what they reveal.
    const sameAccount = (header.account_id === undefined || header.account_id === account.id) && (header.account === undefined || header.account === account.slug);
    if (header.purpose !== 'credential' || !sameAccount || header.version !== version) {
      plain.fill(0);
      throw new EnvelopeError();
    }
    return plain;
  } catch (error) {
    if (error instanceof EnvelopeError || error instanceof SyntaxError) throw new GmvError('CREDENTIAL_TAMPERED', { account: account.slug, version }, { cause: error });
    throw error;
  }
}

/** Wrap the latest version for one more person, using the org escrow (an officer's org key) to get the data key. */
export async function wrapLatestFor(trx: Kysely<DB>, account: AccountRef, orgDecrypt: (data: Uint8Array) => Promise<Buffer>, grantee: { personId: number; fingerprint: string; publicKey: import('openpgp').PublicKey }, at: Date): Promise<number | null> {
  const latest = await trx.selectFrom('credential_versions').select('version').where('account_id', '=', account.id).orderBy('version', 'desc').executeTakeFirst();
  if (!latest) return null;
  const version = Number(latest.version);
  const item = { kind: 'credential' as const, accountId: account.id, version };
  if (await liveWrap(trx, item, grantee.fingerprint)) return version;
  const escrow = await escrowWrap(trx, item);
  if (!escrow) throw new GmvError('ESCROW_MISSING', { account: account.slug, version });
  const dataKey = await orgDecrypt(Buffer.from(escrow.wrapped, 'base64'));
  try {
    await wrapForPeople(trx, item, dataKey, [grantee], at.toISOString());
  } finally {
    dataKey.fill(0);
  }
  return version;
}

export { unwrap };
