/**
 * Credential versions: each field of a version (password, login, TOTP seed, recovery codes, phone,
 * e-mail, notes) sealed under its own fresh data key, and for each person granted at that moment
 * the keys of exactly the fields their grant opens (`otp`: the TOTP seed alone) wrapped together
 * in one OpenPGP message; the organisation key gets every field's key, so officers can grant later.
 * A wrap's `item_ref` names the fields it holds (`fields:password,totp`), so the exposure record
 * is exact per (account, field, version). Versions written before this were sealed whole (`item_ref`
 * ''): they stay readable and count as wholly exposed; a rotation or `gmv vault reseal` moves an
 * account to the new form. Old versions keep their old wraps: revocation is "no new wraps" plus a
 * rotation.
 */
import { grantInForce } from '../domain/access-rules.js';
import { freshBytes } from '../crypto/random.js';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import { seal, open, parseEnvelope, EnvelopeError, type Envelope } from '../crypto/envelope.js';
import { canonicalJson } from '../domain/canonical.js';
import { FIELDS, type Field } from '../domain/credential.js';
import type { Capability } from '../domain/access-rules.js';
import { encryptable, readRecipient, recipientFingerprint, wrapDataKey, type Recipient } from '../crypto/pgp.js';
import { escrowWrap, insertWraps, liveWrap, type WrapRow } from '../store/wraps.js';
import { inBatches, insertMany } from '../store/batches.js';
import { fieldSummary, parseCredential, type CredentialContent } from '../domain/credential.js';
import { newHistoryKey } from './password-history.js';
import { currentOrgKeyRow, wrapRowsFor, unwrap, type KeyHolder, type WrapRecipient } from './keys.js';

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
    .innerJoin('accounts', 'accounts.id', 'grants.account_id')
    .select(['people.id as person_id', 'people.login', 'people.roles', 'people.status', 'people.seal as person_seal', 'person_keys.fingerprint', 'person_keys.public_key',
      'person_keys.created_at', 'person_keys.certification', 'grants.until', 'grants.can', 'grants.granted_at', 'grants.seal', 'accounts.slug'])
    .where('grants.account_id', '=', accountId).where('grants.removed_at', 'is', null)
    .where('people.status', '=', 'active').where('person_keys.status', '=', 'active')
    .execute();
  const live = rows.filter((r) => grantInForce(r, now));
  if (live.length === 0) return [];
  // A new version is wrapped only for grants the organisation sealed, to keys it certified: a
  // planted or widened row, or a swapped key, would otherwise receive a key it could open away
  // from any door.
  const [{ checkSeal, byOrg, grantSealAllowed, certifiedKey, storeSealContext }, { storedRoles }] = await Promise.all([import('./state-seals.js'), import('../store/people.js')]);
  const ctx = await storeSealContext(db);
  const grantees = [];
  for (const r of live) {
    const roles = storedRoles(r.roles, r.login);
    const person = Number(r.person_id);
    await checkSeal(db, ctx, { table: 'people', row: r.login }, { kind: 'person', login: r.login, roles, status: r.status }, r.person_seal === null ? null : Number(r.person_seal), byOrg);
    await checkSeal(db, ctx, { table: 'grants', row: `${r.login} on ${r.slug}` }, { kind: 'grant', person, account: accountId, can: JSON.parse(r.can) as string[], until: r.until, grantedAt: r.granted_at },
      r.seal === null ? null : Number(r.seal), grantSealAllowed({ id: person, roles }));
    const key = await certifiedKey(db, ctx, r);
    grantees.push({ ...key, login: r.login, can: JSON.parse(r.can) as Capability[] });
  }
  return grantees;
}

/** The stored form of a version whose fields are sealed one by one. */
interface FieldSealed {
  sealed: 'fields/1';
  fields: Partial<Record<Field, Envelope>>;
}

/** The version's fields as stored, when they are sealed one by one; null for a version sealed whole. */
export function sealedFields(text: string): FieldSealed | null {
  try {
    const value = JSON.parse(text) as Partial<FieldSealed>;
    return value.sealed === 'fields/1' && value.fields && typeof value.fields === 'object' ? value as FieldSealed : null;
  } catch {
    return null;
  }
}

/** Whether a grant opens every field, the password included (`reveal`, `manage`). */
export function readsEverything(can: readonly Capability[]): boolean {
  return can.includes('reveal') || can.includes('manage');
}

/** The fields a grant opens: `reveal` and `manage` every field, `otp` the TOTP seed alone. */
export function fieldsAllowed(can: readonly Capability[], present: readonly Field[]): Field[] {
  if (readsEverything(can)) return [...present];
  return can.includes('otp') ? present.filter((f) => f === 'totp') : [];
}

/** A key bundle's entries: one key per field, and the account's password-history key for those who read everything. */
type BundleKey = Field | 'history';

/** The fields of every version of `accountIds` as stored (names only, never values), by `account:version`. */
export async function versionFields(db: Kysely<DB>, accountIds: readonly number[]): Promise<Map<string, string[]>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom('credential_versions').select(['account_id', 'version', 'fields']).where('account_id', 'in', [...accountIds]).execute();
  return new Map(rows.map((r) => [`${r.account_id}:${r.version}`, (JSON.parse(r.fields) as { fields: string[] }).fields]));
}

/** The `item_ref` of a wrap holding these fields' keys. */
export function fieldsRef(fields: readonly Field[]): string {
  return `fields:${fields.join(',')}`;
}

/** The fields a wrap's `item_ref` names; null for a wrap of a version sealed whole (all its fields). */
export function refFields(ref: string): Field[] | null {
  if (!ref.startsWith('fields:')) return null;
  return ref.slice('fields:'.length).split(',').filter((f): f is Field => (FIELDS as readonly string[]).includes(f));
}

function bundle(keys: Map<BundleKey, Buffer>, fields: readonly Field[], withHistory: boolean): Buffer {
  const entries: BundleKey[] = [...fields.filter((f) => keys.has(f)), ...(withHistory && keys.has('history') ? ['history' as const] : [])];
  return Buffer.from(canonicalJson(Object.fromEntries(entries.map((f) => [f, keys.get(f)!.toString('base64')]))), 'utf8');
}

function readBundle(bytes: Uint8Array, account: AccountRef, version: number): Map<BundleKey, Buffer> {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    const keys = new Map<BundleKey, Buffer>();
    for (const [field, key] of Object.entries(value)) {
      if (!(field === 'history' || (FIELDS as readonly string[]).includes(field)) || typeof key !== 'string') throw new EnvelopeError();
      keys.set(field as BundleKey, Buffer.from(key, 'base64'));
    }
    return keys;
  } catch (error) {
    throw new GmvError('CREDENTIAL_TAMPERED', { account: account.slug, version }, { cause: error });
  }
}

/** A grantee of an account, with the capabilities that decide which fields are wrapped for them. */
export interface Grantee { personId: number; fingerprint: string; publicKey: Recipient; can: Capability[] }

interface VersionMeta { reason: string; by: string; at: Date; passwordHash: string | null; historyKey?: Uint8Array | null }

/**
 * One version sealed field by field and its wraps, as rows to insert: each field under a fresh key,
 * the keys of exactly their fields for each grantee, every key for the organisation. The account's
 * password-history key (`historyKey`, from the version before; a new one when there is none) goes
 * with the keys of those who read everything.
 */
async function sealVersion(account: AccountRef, version: number, content: CredentialContent, meta: VersionMeta, grantees: readonly Grantee[], org: WrapRecipient) {
  const present = FIELDS.filter((f) => content[f] !== undefined);
  const keys = new Map<BundleKey, Buffer>(present.map((f) => [f, freshBytes(32)] as const));
  keys.set('history', meta.historyKey ? Buffer.from(meta.historyKey) : newHistoryKey());
  try {
    // Each header is authenticated: it binds the envelope to this account row, version and field.
    const stored: FieldSealed = { sealed: 'fields/1', fields: {} };
    for (const f of present) {
      stored.fields[f] = seal(keys.get(f)!, Buffer.from(canonicalJson(content[f]), 'utf8'), { purpose: 'credential-field', account: account.slug, account_id: account.id, version, field: f });
    }
    const createdAt = meta.at.toISOString();
    const row = {
      account_id: account.id, version, envelope: JSON.stringify(stored), password_hash: meta.passwordHash,
      fields: JSON.stringify(fieldSummary(content)), reason: meta.reason, created_by: meta.by, created_at: createdAt,
    };
    const groups = new Map<string, { fields: Field[]; history: boolean; recipients: WrapRecipient[] }>();
    const add = (fields: Field[], history: boolean, recipient: WrapRecipient) => {
      const key = `${fieldsRef(fields)}${history ? '+history' : ''}`;
      const group = groups.get(key) ?? { fields, history, recipients: [] };
      group.recipients.push(recipient);
      groups.set(key, group);
    };
    for (const g of grantees) {
      const fields = fieldsAllowed(g.can, present);
      if (fields.length > 0) add(fields, readsEverything(g.can), { recipient: 'person', personId: g.personId, fingerprint: g.fingerprint, publicKey: g.publicKey });
    }
    add(present, true, org);
    const wraps: WrapRow[] = [];
    for (const group of groups.values()) {
      const keyBundle = bundle(keys, group.fields, group.history);
      try {
        wraps.push(...await wrapRowsFor({ kind: 'credential', accountId: account.id, ref: fieldsRef(group.fields), version }, keyBundle, group.recipients, createdAt));
      } finally {
        keyBundle.fill(0);
      }
    }
    return { row, wraps };
  } finally {
    for (const key of keys.values()) key.fill(0);
  }
}

async function orgRecipient(trx: Kysely<DB>): Promise<WrapRecipient> {
  const org = await currentOrgKeyRow(trx);
  const key = await readRecipient(org.public_key).catch(() => null);
  // Every version is wrapped for it: only through a subkey the organisation's own primary key binds.
  if (!key || recipientFingerprint(key) !== org.fingerprint || !await encryptable(key)) {
    throw new GmvError('STATE_SEAL_INVALID', { table: 'org_keys', row: org.fingerprint, detail: 'detail.certNoEncryptionKey' });
  }
  return { recipient: 'org', fingerprint: org.fingerprint, publicKey: key };
}

/** Seal `content` as the account's next version, wrapped for its current grantees (their fields) and the org key (all). */
export async function writeVersion(trx: Kysely<DB>, account: AccountRef, content: CredentialContent, meta: VersionMeta): Promise<number> {
  const last = await trx.selectFrom('credential_versions').select((eb) => eb.fn.max('version').as('v')).where('account_id', '=', account.id).executeTakeFirst();
  const version = Number(last?.v ?? 0) + 1;
  const sealed = await sealVersion(account, version, content, meta, await currentGrantees(trx, account.id, meta.at), await orgRecipient(trx));
  await trx.insertInto('credential_versions').values(sealed.row).execute();
  await insertWraps(trx, sealed.wraps);
  return version;
}

/**
 * The first version of many new accounts (an import), all granted to the same people: the same
 * rows as writeVersion one by one, in a few statements per 500 accounts.
 */
export async function writeFirstVersions(trx: Kysely<DB>, items: readonly { account: AccountRef; content: CredentialContent; passwordHash: string | null; historyKey: Uint8Array }[], grantees: readonly Grantee[], meta: Omit<VersionMeta, 'passwordHash' | 'historyKey'>): Promise<void> {
  const org = await orgRecipient(trx);
  for (const batch of inBatches(items)) {
    const sealed = [];
    for (const item of batch) sealed.push(await sealVersion(item.account, 1, item.content, { ...meta, passwordHash: item.passwordHash, historyKey: item.historyKey }, grantees, org));
    await insertMany(trx, 'credential_versions', sealed.map((v) => v.row));
    await insertWraps(trx, sealed.flatMap((v) => v.wraps));
  }
}

/**
 * A new version that keeps the recovery codes of the one before keeps their uses too: a code used
 * once stays used when the password or another field changes (uses are recorded per version).
 */
export async function carryRecoveryCodeUses(trx: Kysely<DB>, accountId: number, from: number, to: number): Promise<void> {
  const used = await trx.selectFrom('recovery_code_uses').select(['code_index', 'used_by', 'used_at']).where('account_id', '=', accountId).where('version', '=', from).execute();
  if (used.length > 0) await trx.insertInto('recovery_code_uses').values(used.map((u) => ({ account_id: accountId, version: to, code_index: u.code_index, used_by: u.used_by, used_at: u.used_at }))).execute();
}

export interface OpenedVersion {
  version: number;
  content: CredentialContent;
  createdAt: string;
  /** The account's password-history key, when the holder's wrap holds it (they read everything); the caller zeroes it. */
  historyKey?: Buffer;
}

/** The wraps in force of one version for one key, whatever fields they hold. */
async function liveVersionWraps(db: Kysely<DB>, accountId: number, version: number, keyFingerprint: string, recipient: 'person' | 'org') {
  return db.selectFrom('wraps').select(['wrapped', 'item_ref']).where('item_kind', '=', 'credential').where('account_id', '=', accountId)
    .where('item_version', '=', version).where('recipient', '=', recipient).where('key_fingerprint', '=', keyFingerprint).where('revoked_at', 'is', null)
    .orderBy('id', 'desc').execute();
}

/**
 * The latest version (or a given one) opened with the holder's own wrap; null when the account has
 * none yet. Of a version sealed field by field, the fields the holder's wrap holds are opened (only
 * `fields` when given); `content` then lacks the others.
 */
export async function readVersion(db: Kysely<DB>, holder: KeyHolder, account: AccountRef, version?: number, fields?: readonly Field[]): Promise<OpenedVersion | null> {
  let q = db.selectFrom('credential_versions').select(['version', 'envelope', 'created_at']).where('account_id', '=', account.id);
  q = version === undefined ? q.orderBy('version', 'desc') : q.where('version', '=', version);
  const row = await q.executeTakeFirst();
  if (version === undefined) await checkNewestVersion(db, account, row ? Number(row.version) : 0);
  if (!row) return null;
  const v = Number(row.version);
  const sealed = sealedFields(row.envelope);
  if (sealed) {
    const wraps = await liveVersionWraps(db, account.id, v, holder.keyFingerprint, 'person');
    if (wraps.length === 0) throw new GmvError('NO_WRAP', { account: account.slug, version: v, login: holder.login });
    const keys = new Map<BundleKey, Buffer>();
    for (const wrap of wraps) {
      for (const [f, key] of readBundle(await holder.decrypt(Buffer.from(wrap.wrapped, 'base64')), account, v)) keys.set(f, key);
    }
    try {
      // A field asked for that the version holds but this person's wrap does not: not theirs to open.
      if (fields?.some((f) => sealed.fields[f] !== undefined && !keys.has(f))) throw new GmvError('NO_WRAP', { account: account.slug, version: v, login: holder.login });
      const history = keys.get('history');
      return { version: v, content: openFields(sealed, keys, account, v, fields), createdAt: row.created_at, ...(history ? { historyKey: Buffer.from(history) } : {}) };
    } finally {
      for (const key of keys.values()) key.fill(0);
    }
  }
  const wrap = await liveWrap(db, { kind: 'credential', accountId: account.id, version: v }, holder.keyFingerprint);
  if (!wrap) throw new GmvError('NO_WRAP', { account: account.slug, version: v, login: holder.login });
  const dataKey = await holder.decrypt(Buffer.from(wrap.wrapped, 'base64'));
  try {
    return { version: v, content: parseCredential(openVersion(dataKey, row.envelope, account, v)), createdAt: row.created_at };
  } finally {
    dataKey.fill(0);
  }
}

/** Open the fields of a version sealed field by field whose keys are given (of `only`, when given). */
function openFields(sealed: FieldSealed, keys: Map<BundleKey, Buffer>, account: AccountRef, version: number, only?: readonly Field[]): CredentialContent {
  const content: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const envelope = sealed.fields[f];
    const key = keys.get(f);
    if (!envelope || !key || (only && !only.includes(f))) continue;
    try {
      const header = envelope.header as { purpose?: unknown; account?: unknown; account_id?: unknown; version?: unknown; field?: unknown };
      // The row id, the slug, the version and the field: a swapped or re-labelled envelope does not open as this one.
      if (header.purpose !== 'credential-field' || header.account_id !== account.id || header.account !== account.slug || header.version !== version || header.field !== f) throw new EnvelopeError();
      const plain = open(key, envelope);
      content[f] = JSON.parse(plain.toString('utf8'));
      plain.fill(0);
    } catch (error) {
      if (error instanceof EnvelopeError || error instanceof SyntaxError || error instanceof GmvError) throw new GmvError('CREDENTIAL_TAMPERED', { account: account.slug, version }, { cause: error });
      throw error;
    }
  }
  return content as CredentialContent;
}

/** Every field of a version, opened with the organisation's escrow (gmv vault reseal). */
export async function readVersionByEscrow(db: Kysely<DB>, account: AccountRef, version: number, orgDecrypt: (data: Uint8Array) => Promise<Buffer>): Promise<CredentialContent> {
  const row = await db.selectFrom('credential_versions').select('envelope').where('account_id', '=', account.id).where('version', '=', version).executeTakeFirstOrThrow();
  const escrow = await escrowWrap(db, { accountId: account.id, version });
  if (!escrow) throw new GmvError('ESCROW_MISSING', { account: account.slug, version });
  const dataKey = await orgDecrypt(Buffer.from(escrow.wrapped, 'base64'));
  try {
    return parseCredential(openVersion(dataKey, row.envelope, account, version));
  } finally {
    dataKey.fill(0);
  }
}

/** Audit actions whose entry records the version a change wrote (in `details.version`). */
const VERSION_WRITERS = ['secret.set', 'rotate.confirm', 'account.add', 'vault.reseal'];

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

/**
 * Wrap the latest version of each account for a grantee, using the org escrow (an officer's org
 * key) to get the keys: of a version sealed field by field, exactly the fields `can` opens (a wrap
 * in force of other fields is revoked and replaced: a changed grant); of one sealed whole, the
 * whole version. Returns the version wrapped per account id (null: nothing to wrap). A few
 * statements per 500 accounts, whatever their number: a grant of 1,000 accounts costs its crypto.
 */
export async function wrapLatestFor(trx: Kysely<DB>, accounts: readonly AccountRef[], orgDecrypt: (data: Uint8Array) => Promise<Buffer>, grantee: { personId: number; fingerprint: string; publicKey: Recipient }, at: Date, can: readonly Capability[], onProgress?: (done: number, total: number) => void): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  const iso = at.toISOString();
  let done = 0;
  for (const chunk of inBatches(accounts)) {
    const ids = chunk.map((a) => a.id);
    const latest = new Map((await trx.selectFrom('credential_versions as cv').select(['cv.account_id', 'cv.version', 'cv.envelope']).where('cv.account_id', 'in', ids)
      .where((eb) => eb('cv.version', '=', eb.selectFrom('credential_versions as n').select((e) => e.fn.max('n.version').as('m')).whereRef('n.account_id', '=', 'cv.account_id')))
      .execute()).map((r) => [Number(r.account_id), { version: Number(r.version), envelope: r.envelope }]));
    // The account list also as the live-wrap index spells it: otherwise SQLite's planner, without
    // statistics, reads that index by item_kind alone — every live credential wrap of the vault,
    // 30 ms a batch at 10,000 accounts — instead of seeking each account.
    const wraps = await trx.selectFrom('wraps').select(['id', 'account_id', 'item_version', 'item_ref', 'recipient', 'person_id', 'key_fingerprint', 'wrapped'])
      .where('item_kind', '=', 'credential').where('account_id', 'in', ids).where(sql<number>`coalesce(account_id, 0)`, 'in', ids).where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('recipient', '=', 'org'), eb('person_id', '=', grantee.personId)])).orderBy('id', 'desc').execute();
    const wrapsOf = new Map<number, typeof wraps>();
    for (const w of wraps) {
      const id = Number(w.account_id);
      const list = wrapsOf.get(id);
      if (list) list.push(w);
      else wrapsOf.set(id, [w]);
    }
    const revoke: number[] = [];
    const rows: WrapRow[] = [];
    for (const account of chunk) {
      const newest = latest.get(account.id);
      if (!newest) {
        out.set(account.id, null);
        continue;
      }
      const version = newest.version;
      const ofVersion = (wrapsOf.get(account.id) ?? []).filter((w) => Number(w.item_version) === version);
      const theirs = ofVersion.filter((w) => w.recipient === 'person');
      const held = theirs.filter((w) => w.key_fingerprint === grantee.fingerprint);
      const escrow = ofVersion.find((w) => w.recipient === 'org');
      const sealed = sealedFields(newest.envelope);
      const fields = sealed ? fieldsAllowed(can, FIELDS.filter((f) => sealed.fields[f] !== undefined)) : null;
      const ref = fields ? fieldsRef(fields) : '';
      if (held.some((w) => w.item_ref === ref) && (!sealed || held.length === 1)) {
        out.set(account.id, version);
        continue;
      }
      if (sealed && theirs.length > 0) revoke.push(...theirs.map((w) => Number(w.id)));
      if (fields?.length === 0) {
        out.set(account.id, null);
        continue;
      }
      if (!escrow) throw new GmvError('ESCROW_MISSING', { account: account.slug, version });
      const opened = await orgDecrypt(Buffer.from(escrow.wrapped, 'base64'));
      let payload = opened;
      try {
        if (sealed) {
          const keys = readBundle(opened, account, version);
          payload = bundle(keys, fields!, readsEverything(can));
          for (const key of keys.values()) key.fill(0);
        }
        rows.push({
          item: { kind: 'credential', accountId: account.id, ref, version }, recipient: 'person', personId: grantee.personId,
          keyFingerprint: grantee.fingerprint, wrapped: Buffer.from(await wrapDataKey(payload, grantee.publicKey)).toString('base64'), at: iso,
        });
      } finally {
        opened.fill(0);
        payload.fill(0);
      }
      out.set(account.id, version);
    }
    if (revoke.length > 0) await trx.updateTable('wraps').set({ revoked_at: iso, revoked_reason: 'grant-changed' }).where('id', 'in', revoke).execute();
    await insertWraps(trx, rows);
    done += chunk.length;
    onProgress?.(done, accounts.length);
  }
  return out;
}

export { unwrap };
