/**
 * OpenPGP through openpgp.js, limited to what gmv needs: v4 Curve25519 (legacy) keys that GnuPG 2.2
 * reads, detached signatures over binary messages, and encryption of small data keys to people.
 */
import type { PrivateKey, PublicKey } from 'openpgp';
import { isKeyWrap, unwrapKey, unwrapKeyWith, wrapKeyForX25519, x25519OfPacket } from './key-wrap.js';
import { parseGmvSecretKey, parseX25519Subkey, signEd25519Detached, type X25519Subkey } from './ed25519-pgp.js';

type OpenPgp = typeof import('openpgp');
let loaded: Promise<OpenPgp> | undefined;
/** openpgp.js is heavy to import; only commands that sign, verify or decrypt pay for it. */
export function openpgp(): Promise<OpenPgp> {
  loaded ??= import('openpgp');
  return loaded;
}

export interface GeneratedKey {
  privateArmored: string;
  publicArmored: string;
  fingerprint: string;
}

/** A fresh v4 Ed25519/Curve25519 key pair; the private key is returned unencrypted for gmv to seal. */
export async function generateKey(name: string, comment: string): Promise<GeneratedKey> {
  const pgp = await openpgp();
  const { privateKey, publicKey } = await pgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, comment }],
    format: 'armored',
  });
  const key = await pgp.readKey({ armoredKey: publicKey });
  return { privateArmored: privateKey, publicArmored: publicKey, fingerprint: key.getFingerprint().toUpperCase() };
}

export async function readPrivate(armored: string): Promise<PrivateKey> {
  const pgp = await openpgp();
  return pgp.readPrivateKey({ armoredKey: armored });
}

export async function readPrivateBinary(binary: Uint8Array): Promise<PrivateKey> {
  const pgp = await openpgp();
  return pgp.readPrivateKey({ binaryKey: binary });
}

/** Zero the secret parameters of an unlocked key in place (openpgp.js keeps them in byte arrays). */
export function wipePrivateKey(key: PrivateKey): void {
  for (const { keyPacket } of key.getKeys()) {
    const params = 'privateParams' in keyPacket ? keyPacket.privateParams : null;
    for (const value of Object.values(params ?? {})) if (value instanceof Uint8Array) value.fill(0);
  }
}

/** Parsed public keys by their armored text: a bulk command wraps for the same few keys thousands of times. */
const publicKeys = new Map<string, Promise<PublicKey>>();

export async function readPublic(armored: string): Promise<PublicKey> {
  let key = publicKeys.get(armored);
  if (!key) {
    key = openpgp().then((pgp) => pgp.readKey({ armoredKey: armored }));
    if (publicKeys.size >= 1000) publicKeys.clear();
    publicKeys.set(armored, key);
    key.catch(() => publicKeys.delete(armored));
  }
  return key;
}

export type PinProblem = 'detail.pinPrivateKey' | 'detail.pinNotArmored' | 'detail.pinUnreadable';

/** What is wrong with a pinned key's file at a glance (its armor), before anything parses it. */
function pinnedKeyProblem(text: string): PinProblem | null {
  if (text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) return 'detail.pinPrivateKey';
  if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return 'detail.pinNotArmored';
  return null;
}

/**
 * The public key an auditor or officer pins (--org-key), read strictly: a private key is refused
 * (a check never needs one, and accepting it teaches people to carry the organisation's private key
 * around), as is a binary key, each with a reason the caller reports (a catalogue key).
 */
export async function readPinnedKey(text: string): Promise<{ key: PublicKey } | { problem: PinProblem }> {
  const problem = pinnedKeyProblem(text);
  if (problem) return { problem };
  try {
    const key = await readPublic(text);
    return key.isPrivate() ? { problem: 'detail.pinPrivateKey' } : { key };
  } catch {
    return { problem: 'detail.pinUnreadable' };
  }
}

export function fingerprintOf(key: PublicKey | PrivateKey): string {
  return key.getFingerprint().toUpperCase();
}

/** Detached signature over the exact bytes (binary mode: no line-ending normalisation), as raw packets. */
export async function signDetached(data: Uint8Array, key: PrivateKey): Promise<Uint8Array> {
  const pgp = await openpgp();
  const message = await pgp.createMessage({ binary: data });
  return pgp.sign({ message, signingKeys: key, detached: true, format: 'binary' });
}

/** True only when `signature` is a valid signature of `data` by `key` (or one of its subkeys), judged as of `date` (default now). */
export async function verifyDetached(data: Uint8Array, signature: Uint8Array, key: PublicKey, date?: Date): Promise<boolean> {
  const pgp = await openpgp();
  try {
    const message = await pgp.createMessage({ binary: data });
    const parsed = await pgp.readSignature({ binarySignature: signature });
    const result = await pgp.verify({ message, signature: parsed, verificationKeys: key, expectSigned: true, format: 'binary', ...(date ? { date } : {}) });
    return result.signatures.length > 0;
  } catch {
    return false;
  }
}

/** The binary packets of an armored signature; null when the text is no OpenPGP signature. */
export async function dearmorSignature(armored: string): Promise<Uint8Array | null> {
  const pgp = await openpgp();
  try {
    return (await pgp.readSignature({ armoredSignature: armored })).write() as Uint8Array;
  } catch {
    return null;
  }
}

export async function armorSignature(signature: Uint8Array): Promise<string> {
  const pgp = await openpgp();
  return (await pgp.readSignature({ binarySignature: signature })).armor();
}

/** Encrypt a small payload (a data key) to the given recipients; GnuPG can decrypt the result. */
export async function encryptTo(data: Uint8Array, recipients: PublicKey[]): Promise<Uint8Array> {
  const pgp = await openpgp();
  const message = await pgp.createMessage({ binary: data });
  return pgp.encrypt({ message, encryptionKeys: recipients, format: 'binary' });
}

/**
 * The symmetric session key in `packets` (the public-key encrypted session-key packets of a message,
 * without its data) that `key` opens; null when none is addressed to it. What opens a backup
 * without sending the whole backup to the session agent.
 */
export async function sessionKeyOf(packets: Uint8Array, key: PrivateKey): Promise<{ data: Uint8Array; algorithm: string } | null> {
  const pgp = await openpgp();
  try {
    const message = await pgp.readMessage({ binaryMessage: packets });
    const [found] = await pgp.decryptSessionKeys({ message, decryptionKeys: key });
    return found && found.algorithm ? { data: found.data, algorithm: found.algorithm } : null;
  } catch {
    return null;
  }
}

/**
 * Whom a data key is wrapped for: a key of gmv's own shape read with node:crypto (its encryption
 * subkey's binding checked, see ed25519-pgp.ts#parseX25519Subkey), or a key openpgp.js read.
 */
export type Recipient = PublicKey | NativeRecipient;
export interface NativeRecipient { readonly kind: 'gmv-x25519'; readonly fingerprint: string; readonly subkey: X25519Subkey; readonly armored: string }

/**
 * `armored` as a recipient of key wraps: read without openpgp.js (whose import costs about as much
 * as starting node) when it is a key of the shape gmv makes with a binding that verifies; any other
 * key, or one with a revocation or an expiry, is openpgp.js's to read and judge.
 */
export async function readRecipient(armored: string): Promise<Recipient> {
  // A version written for 10,000 accounts reads the same organisation key each time: read once (bounded).
  let read = recipients.get(armored);
  if (!read) {
    const parsed = parseX25519Subkey(armored);
    read = parsed ? Promise.resolve({ kind: 'gmv-x25519', fingerprint: parsed.primary.fingerprint, subkey: parsed.subkey, armored }) : readPublic(armored);
    if (recipients.size >= 256) recipients.delete(recipients.keys().next().value!);
    recipients.set(armored, read);
    read.catch(() => recipients.delete(armored));
  }
  return read;
}
const recipients = new Map<string, Promise<Recipient>>();

/** The recipient as openpgp.js reads it, to encrypt an OpenPGP message to it (a backup GnuPG opens). */
export async function openpgpKeyOf(recipient: Recipient): Promise<PublicKey> {
  return 'kind' in recipient ? readPublic(recipient.armored) : recipient;
}

/** Whether anything can be wrapped for `recipient`: a native one always; openpgp.js's only with an encryption subkey it holds valid now. */
export async function encryptable(recipient: Recipient): Promise<boolean> {
  if ('kind' in recipient) return true;
  return validX25519(recipient).then(() => true, () => false);
}

export function recipientFingerprint(recipient: Recipient): string {
  return 'kind' in recipient ? recipient.fingerprint : fingerprintOf(recipient);
}

/** The X25519 key of the encryption subkey openpgp.js holds valid now (bound, not revoked, not expired), or null for another kind; throws when none is valid. */
const validSubkeys = new WeakMap<PublicKey, Buffer | null>();
async function validX25519(recipient: PublicKey): Promise<Buffer | null> {
  if (validSubkeys.has(recipient)) return validSubkeys.get(recipient)!;
  const raw = x25519OfPacket((await recipient.getEncryptionKey()).keyPacket);
  validSubkeys.set(recipient, raw);
  return raw;
}

/**
 * Wrap a data key (or a bundle of them) for one key that gmv itself will open: a gmv key wrap
 * (X25519, see key-wrap.ts) for a Curve25519 subkey, an OpenPGP message for any other. Only the
 * encryption subkey that is valid now is wrapped for: a revoked or expired one is refused.
 */
export async function wrapDataKey(data: Uint8Array, recipient: Recipient): Promise<Uint8Array> {
  if ('kind' in recipient) return wrapKeyForX25519(data, recipient.subkey.raw);
  const raw = await validX25519(recipient);
  return raw ? wrapKeyForX25519(data, raw) : encryptTo(data, [recipient]);
}

/** An unlocked key as a signer and a decrypter, without saying which library holds it. */
export interface OpenedKey {
  readonly fingerprint: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
  decrypt(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Open the unencrypted private key `armored` (gmv seals it itself): with node:crypto when it is of
 * gmv's shape, so that a command signing and unwrapping with the organisation key does not import
 * openpgp.js for it; through openpgp.js otherwise, and for any OpenPGP message to decrypt.
 */
export async function openSecretKey(armored: string): Promise<OpenedKey> {
  const native = parseGmvSecretKey(armored);
  if (!native) {
    const key = await readPrivate(armored);
    return { fingerprint: fingerprintOf(key), sign: (data) => signDetached(data, key), decrypt: (data) => decryptWith(data, key) };
  }
  // An OpenPGP message (what older vaults hold) needs openpgp.js's reading of the same key; made once, when one comes.
  let pgp: Promise<PrivateKey> | undefined;
  const copy = armored;
  return {
    fingerprint: native.fingerprint,
    sign: async (data) => signEd25519Detached(data, native),
    decrypt: async (data) => isKeyWrap(data) ? unwrapKeyWith(data, native.subkey.raw, native.subkey.d) : decryptWith(data, await (pgp ??= readPrivate(copy))),
  };
}

/** Decrypt an OpenPGP message, or open a gmv key wrap, with an unlocked private key. */
export async function decryptWith(data: Uint8Array, key: PrivateKey): Promise<Uint8Array> {
  if (isKeyWrap(data)) return unwrapKey(data, key);
  const pgp = await openpgp();
  const message = await pgp.readMessage({ binaryMessage: data });
  const result = await pgp.decrypt({ message, decryptionKeys: key, format: 'binary' });
  return result.data as Uint8Array;
}
