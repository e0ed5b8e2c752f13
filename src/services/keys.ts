/**
 * Data keys wrapped for people: sealing a person's private key for one device, unwrapping the
 * organisation and device-CA keys for whoever holds a wrap (a logged-in officer, or recovery).
 */
import { freshBytes } from '../crypto/random.js';
import type { Kysely } from 'kysely';
import type { PrivateKey, PublicKey } from 'openpgp';
import type { DB } from '../store/schema.js';
import { storedRoles } from '../store/people.js';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { bindToDevice, deriveKey, newKdfParams, type KdfCost, type KdfParams } from '../crypto/kdf.js';
import { open, parseEnvelope, seal, type Envelope } from '../crypto/envelope.js';
import { encryptTo, openSecretKey, readPrivate, fingerprintOf, wrapDataKey, type OpenedKey, type Recipient } from '../crypto/pgp.js';
import type { CaMaterial } from '../crypto/x509.js';
import { insertWraps, liveWrap, type WrapItem, type WrapKind, type WrapRow } from '../store/wraps.js';

/** Anyone who can decrypt what was wrapped for one personal key: an unlocked key here, or the session agent. */
export interface KeyHolder {
  personId: number;
  login: string;
  keyFingerprint: string;
  decrypt(data: Uint8Array): Promise<Buffer>;
  /** The session key of an OpenPGP message (its key packets only) addressed to this key, or null. */
  sessionKey?(packets: Uint8Array): Promise<{ data: Uint8Array; algorithm: string } | null>;
  /** Signs the checkpoints of this holder's changes (see `commitChange`'s `by`). */
  signer?: import('./vault.js').PersonSigner;
}

export type WrappedItem = WrapKind;

export interface PersonLockHeader extends Record<string, unknown> {
  purpose: 'person-key';
  person: string;
  fingerprint: string;
  device: string;
  kdf: KdfParams;
}

/** Seal a person's armored private key so only (passphrase, this device's secret) opens it. */
export async function sealPersonKey(armored: string, passphrase: Secret, deviceSecret: Uint8Array, who: { login: string; fingerprint: string; deviceId: string }, cost: KdfCost): Promise<Envelope<PersonLockHeader>> {
  const kdf = newKdfParams(cost);
  const header: PersonLockHeader = { purpose: 'person-key', person: who.login, fingerprint: who.fingerprint, device: who.deviceId, kdf };
  const passKey = await deriveKey(passphrase, kdf);
  const lockKey = bindToDevice(passKey, deviceSecret, `person-key/${who.deviceId}`);
  passKey.fill(0);
  const envelope = seal(lockKey, Buffer.from(armored, 'utf8'), header);
  lockKey.fill(0);
  return envelope;
}

/** Open a person lock; throws EnvelopeError on a wrong passphrase or device. */
export async function openPersonKey(envelope: Envelope, passphrase: Secret, deviceSecret: Uint8Array, deviceId: string): Promise<PrivateKey> {
  const header = envelope.header as Partial<PersonLockHeader>;
  if (header.purpose !== 'person-key' || header.device !== deviceId || !header.kdf) throw new GmvError('AUTH_FAILED', { login: String(header.person ?? '?') });
  const passKey = await deriveKey(passphrase, header.kdf, `person_key_locks (${String(header.person ?? '?')}, device ${deviceId})`);
  const lockKey = bindToDevice(passKey, deviceSecret, `person-key/${deviceId}`);
  passKey.fill(0);
  const armored = open(lockKey, envelope);
  lockKey.fill(0);
  const key = await readPrivate(armored.toString('utf8'));
  armored.fill(0);
  return key;
}

/** A fresh data key sealed around `plaintext`, plus the data key itself for wrapping. */
export function sealWithDataKey(plaintext: Uint8Array, header: Record<string, unknown>): { envelope: Envelope; dataKey: Buffer } {
  const dataKey = freshBytes(32);
  return { envelope: seal(dataKey, plaintext, header), dataKey };
}

/** One recipient of a data key: a person's key, the organisation key (escrow) or the recovery key. */
export type WrapRecipient =
  | { recipient: 'person'; personId: number; fingerprint: string; publicKey: Recipient }
  | { recipient: 'org'; fingerprint: string; publicKey: Recipient }
  | { recipient: 'recovery'; fingerprint: string; publicKey: PublicKey };

/**
 * Seal `dataKey` for each recipient (the one place data keys are wrapped) and record the wraps in
 * one insert. People and the organisation key get a gmv key wrap (cheap, opened only by gmv); the
 * recovery key an OpenPGP message, which GnuPG opens on the day gmv is not there.
 */
export async function wrapFor(trx: Kysely<DB>, item: WrapItem, dataKey: Uint8Array, recipients: WrapRecipient[], at: string): Promise<void> {
  await insertWraps(trx, await wrapRowsFor(item, dataKey, recipients, at));
}

/** The wrap rows of `dataKey` for each recipient, to insert with others (see wrapFor). */
export async function wrapRowsFor(item: WrapItem, dataKey: Uint8Array, recipients: readonly WrapRecipient[], at: string): Promise<WrapRow[]> {
  return Promise.all(recipients.map(async (r) => ({
    item, recipient: r.recipient, personId: r.recipient === 'person' ? r.personId : null, keyFingerprint: r.fingerprint,
    wrapped: Buffer.from(r.recipient === 'recovery' ? await encryptTo(dataKey, [r.publicKey]) : await wrapDataKey(dataKey, r.publicKey)).toString('base64'), at,
  })));
}

/** Record wraps of `dataKey` for each person key, in the caller's transaction. */
export async function wrapForPeople(trx: Kysely<DB>, item: WrapItem, dataKey: Uint8Array, people: { personId: number; fingerprint: string; publicKey: Recipient }[], at: string): Promise<void> {
  await wrapFor(trx, item, dataKey, people.map((p) => ({ recipient: 'person' as const, ...p })), at);
}

/** The data key of an item (newest version) wrapped in force for this holder's key, or null when it holds none. */
export async function unwrap(db: Kysely<DB>, holder: KeyHolder, kind: WrappedItem, ref: string): Promise<Buffer | null> {
  const row = await liveWrap(db, { kind, ref }, holder.keyFingerprint);
  return row ? holder.decrypt(Buffer.from(row.wrapped, 'base64')) : null;
}

export async function currentOrgKeyRow(db: Kysely<DB>) {
  const row = await db.selectFrom('org_keys').selectAll().orderBy('created_at', 'desc').executeTakeFirst();
  if (!row) throw new GmvError('VAULT_NOT_INITIALIZED', { path: '(vault)' });
  return row;
}

export async function currentCaRow(db: Kysely<DB>) {
  const row = await db.selectFrom('device_ca').selectAll().orderBy('created_at', 'desc').executeTakeFirst();
  if (!row) throw new GmvError('VAULT_NOT_INITIALIZED', { path: '(vault)' });
  return row;
}

/** Open the organisation private key with a data key, read by `read`; the fingerprint must match its record. */
async function openOrgWith<T>(db: Kysely<DB>, dataKey: Uint8Array, read: (armored: string) => Promise<T>, fingerprint: (key: T) => string): Promise<T> {
  const row = await currentOrgKeyRow(db);
  const what = `org_keys.private_envelope (${row.fingerprint})`;
  const armored = open(dataKey, parseEnvelope(row.private_envelope, what), what);
  try {
    const key = await read(armored.toString('utf8'));
    if (fingerprint(key) !== row.fingerprint) throw new GmvError('SEALED_DATA_TAMPERED', { what });
    return key;
  } finally {
    armored.fill(0);
  }
}

/** The organisation private key as openpgp.js reads it (to certify, armor or re-key with). */
export function openOrgKey(db: Kysely<DB>, dataKey: Uint8Array): Promise<PrivateKey> {
  return openOrgWith(db, dataKey, readPrivate, fingerprintOf);
}

/** The organisation private key as a signer and decrypter (see pgp.ts#openSecretKey). */
export function openOrgSecret(db: Kysely<DB>, dataKey: Uint8Array): Promise<OpenedKey> {
  return openOrgWith(db, dataKey, openSecretKey, (key) => key.fingerprint);
}

export async function openCa(db: Kysely<DB>, dataKey: Uint8Array): Promise<CaMaterial> {
  const row = await currentCaRow(db);
  const keyPem = open(dataKey, parseEnvelope(row.private_envelope, 'device_ca.private_envelope'), 'device_ca.private_envelope').toString('utf8');
  return { keyPem, certPem: row.cert_pem };
}

/** Certified public keys of the active personal keys of everyone holding any of `roles` (for wrapping org/CA keys, backup recipients). */
export async function activeKeysOfRole(db: Kysely<DB>, ...roles: string[]): Promise<{ personId: number; fingerprint: string; publicKey: Recipient }[]> {
  const { certifiedKey, storeSealContext, PERSON_KEY_COLUMNS } = await import('./state-seals.js');
  const rows = await db.selectFrom('people').innerJoin('person_keys', 'person_keys.person_id', 'people.id')
    .select(['people.roles', ...PERSON_KEY_COLUMNS])
    .where('people.status', '=', 'active').where('person_keys.status', '=', 'active').execute();
  const ctx = await storeSealContext(db);
  const out = [];
  // What is encrypted to an officer (the organisation and CA keys, a backup) goes only to a key the organisation certified.
  for (const row of rows) if ((storedRoles(row.roles, row.login) as string[]).some((r) => roles.includes(r))) out.push(await certifiedKey(db, ctx, row));
  return out;
}
