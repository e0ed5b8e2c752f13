/**
 * Wrapping a 32-byte data key (or a small bundle of them) for one person's or the organisation's
 * OpenPGP key, with node:crypto instead of an OpenPGP message: the same primitive OpenPGP's ECDH
 * uses for these keys (X25519 against the key's Curve25519 encryption subkey), then HKDF-SHA256
 * and AES-256-GCM — ECIES in the shape of HPKE's base mode. An OpenPGP message costs openpgp.js
 * several milliseconds to write or read; this costs about a tenth of one, which is what makes a
 * grant of 1,000 accounts or an offboarding of a person with 1,000 cost what the work costs.
 *
 * Only the holder of the OpenPGP private key opens it, as before; what GnuPG itself must read (the
 * recovery key's wraps, backups, device key transfers) stays OpenPGP. The stored form:
 *
 *   "GMVW1" · ephemeral X25519 public key (32) · IV (12) · GCM tag (16) · ciphertext
 *
 * The key is HKDF(shared secret, salt = ephemeral ‖ recipient public key, info = "gmv key-wrap/1"),
 * and the header bytes (magic, ephemeral and recipient keys) are authenticated, so a wrap made for
 * one key never opens under another and a changed byte anywhere fails. The wraps one process makes
 * for one recipient within a minute share the ephemeral key (each has its own IV and tag), so a
 * batch costs one X25519 operation to write and, for its recipient, one to open.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import type { PrivateKey } from 'openpgp';
import { EnvelopeError } from './envelope.js';
import { freshBytes } from './random.js';

const MAGIC = Buffer.from('GMVW1', 'ascii');
const INFO = Buffer.from('gmv key-wrap/1', 'ascii');
const HEAD = MAGIC.length + 32 + 12 + 16;
/** PKCS#8 prefix of an X25519 private key: the raw 32-byte scalar follows. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** The OID of Curve25519 (legacy) in OpenPGP's ECDH keys, 1.3.6.1.4.1.3029.1.5.1. */
const CURVE25519_OID = '2b060104019755010501';

export function isKeyWrap(bytes: Uint8Array): boolean {
  return bytes.length > HEAD && Buffer.from(bytes.subarray(0, MAGIC.length)).equals(MAGIC);
}

interface KeyPacketLike {
  algorithm: unknown;
  publicParams?: { oid?: { toHex?: () => string }; Q?: Uint8Array };
  privateParams?: { d?: Uint8Array } | null;
}

/** The Curve25519 ECDH key packets of an OpenPGP private key (gmv's keys have exactly one). */
function ecdhPackets(key: PrivateKey): KeyPacketLike[] {
  return key.getKeys().map((k) => k.keyPacket).filter((p) => x25519OfPacket(p)) as unknown as KeyPacketLike[];
}

/** The raw X25519 public key of an OpenPGP Curve25519 ECDH key packet (openpgp.js's), or null when it is another kind. */
export function x25519OfPacket(packet: unknown): Buffer | null {
  const p = packet as KeyPacketLike;
  // 18 is ECDH; the point is 0x40 followed by the native little-endian X25519 public key.
  if (p.algorithm === 18 && p.publicParams?.oid?.toHex?.() === CURVE25519_OID && p.publicParams.Q?.length === 33 && p.publicParams.Q[0] === 0x40) return Buffer.from(p.publicParams.Q.subarray(1));
  return null;
}

/**
 * The ephemeral key and the key derived from it, per recipient, shared by the wraps one process
 * makes for that recipient within a minute (a batch: an import, a grant of 1,000 accounts). Every
 * wrap still has its own random IV and its own tag; sharing the ephemeral lets nobody but the
 * recipient open any of them, and costs one X25519 operation per batch instead of one per wrap.
 */
interface Ephemeral { epk: Buffer; key: Buffer; aad: Buffer; uses: number; until: number }
const ephemerals = new Map<string, Ephemeral>();
const BATCH_USES = 1 << 20;
const BATCH_MS = 60_000;
const EPHEMERALS_MAX = 1024;

function ephemeralFor(raw: Buffer): Ephemeral {
  const id = raw.toString('hex');
  const held = ephemerals.get(id);
  if (held && held.uses < BATCH_USES && Date.now() < held.until) {
    held.uses += 1;
    return held;
  }
  held?.key.fill(0);
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const epk = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const fresh = { epk, key: derive(diffieHellman({ privateKey, publicKey: x25519Public(raw) }), epk, raw), aad: Buffer.concat([MAGIC, epk, raw]), uses: 1, until: Date.now() + BATCH_MS };
  ephemerals.delete(id);
  if (ephemerals.size >= EPHEMERALS_MAX) {
    const [oldest] = ephemerals;
    oldest![1].key.fill(0);
    ephemerals.delete(oldest![0]);
  }
  ephemerals.set(id, fresh);
  return fresh;
}

/**
 * Wrap `data` for the holder of the X25519 key `raw`: the encryption subkey of an OpenPGP key that
 * the caller found valid (bound to its primary key, not revoked, not expired).
 */
export function wrapKeyForX25519(data: Uint8Array, raw: Buffer): Buffer {
  if (raw.length !== 32) throw new Error('an X25519 public key has 32 bytes');
  const e = ephemeralFor(raw);
  const iv = freshBytes(12);
  const cipher = createCipheriv('aes-256-gcm', e.key, iv);
  cipher.setAAD(e.aad);
  const ct = Buffer.concat([cipher.update(data), cipher.final()]);
  return Buffer.concat([MAGIC, e.epk, iv, cipher.getAuthTag(), ct]);
}

/**
 * Keys derived for wraps opened recently, by ephemeral key, recipient key and the secret that
 * derived them: the wraps of one batch cost one X25519 operation to open. A key is kept only once it
 * opened a wrap (a wrong secret neither poisons the cache nor borrows from it). Bounded; an evicted
 * key is zeroed.
 */
const opened = new Map<string, Buffer>();
const OPENED_MAX = 256;
const secretIds = new WeakMap<KeyObject, number>();
let nextSecretId = 0;

function openWith(epk: Buffer, rpk: Buffer, secret: KeyObject, open: (key: Buffer) => Buffer): Buffer {
  let sid = secretIds.get(secret);
  if (sid === undefined) secretIds.set(secret, sid = nextSecretId++);
  const id = `${epk.toString('hex')}:${rpk.toString('hex')}:${sid}`;
  const held = opened.get(id);
  if (held) return open(held);
  const key = derive(diffieHellman({ privateKey: secret, publicKey: x25519Public(epk) }), epk, rpk);
  let out: Buffer;
  try {
    out = open(key);
  } catch (error) {
    key.fill(0);
    throw error;
  }
  if (opened.size >= OPENED_MAX) {
    const [oldest] = opened;
    oldest![1].fill(0);
    opened.delete(oldest![0]);
  }
  opened.set(id, key);
  return out;
}

/** Open a wrap with an unlocked OpenPGP private key (any of its Curve25519 subkeys); throws when it was not made for this key or was altered. */
export function unwrapKey(bytes: Uint8Array, holder: PrivateKey): Buffer {
  const packets = ecdhPackets(holder).filter((p) => p.privateParams?.d);
  if (packets.length === 0) throw new Error('this key cannot open a gmv key wrap');
  let failure: unknown;
  for (const packet of packets) {
    try {
      return unwrapKeyWith(bytes, Buffer.from(packet.publicParams!.Q!.subarray(1)), packet.privateParams!.d!);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

/** Open a wrap with the X25519 key `rpk` whose secret `d` is as OpenPGP stores it (big-endian); throws as unwrapKey. */
export function unwrapKeyWith(bytes: Uint8Array, rpk: Buffer, d: Uint8Array): Buffer {
  if (!isKeyWrap(bytes)) throw new Error('not a gmv key wrap');
  const all = Buffer.from(bytes);
  const epk = all.subarray(MAGIC.length, MAGIC.length + 32);
  const iv = all.subarray(MAGIC.length + 32, MAGIC.length + 44);
  const tag = all.subarray(MAGIC.length + 44, HEAD);
  try {
    return openWith(Buffer.from(epk), rpk, x25519Secret(d), (key) => {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.concat([MAGIC, epk, rpk]));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(all.subarray(HEAD)), decipher.final()]);
    });
  } catch {
    // Made for another key, or altered: what the stored wrap says is not to be trusted (exit 6).
    throw new EnvelopeError('what.wrappedDataKey');
  }
}

/**
 * The X25519 secret of an unlocked key as a KeyObject, made once per key and kept with it (a bulk
 * command opens thousands of wraps): it lives in OpenSSL's memory no longer than the key's array.
 */
const secretCache = new WeakMap<Uint8Array, KeyObject>();
export function x25519Secret(d: Uint8Array): KeyObject {
  const cached = secretCache.get(d);
  if (cached) return cached;
  // OpenPGP stores the Curve25519 secret big-endian (an MPI, leading zeros dropped); X25519 wants it
  // little-endian. It goes to OpenSSL as PKCS#8 DER in a buffer zeroed after, not as base64 strings nobody can wipe.
  const der = Buffer.alloc(PKCS8_PREFIX.length + 32);
  PKCS8_PREFIX.copy(der);
  der.set(d, der.length - d.length);
  der.subarray(PKCS8_PREFIX.length).reverse();
  try {
    const secret = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    secretCache.set(d, secret);
    return secret;
  } finally {
    der.fill(0);
  }
}

function x25519Public(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

function derive(shared: Buffer, epk: Uint8Array, rpk: Uint8Array): Buffer {
  try {
    // An all-zero shared secret means a small-order point was planted as the ephemeral key.
    if (shared.every((b) => b === 0)) throw new Error('invalid key wrap');
    return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, rpk]), INFO, 32));
  } finally {
    shared.fill(0);
  }
}
