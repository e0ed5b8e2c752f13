/**
 * Verifying gmv's own OpenPGP signatures with node:crypto: v4 EdDSA (legacy Ed25519) keys, detached
 * binary signatures over SHA-2. The audit verifier checks one per checkpoint, and openpgp.js (its
 * import and its per-signature overhead) was a large share of verifying a big log.
 *
 * This is a fast path, never the last word: it answers "valid" only when the key and signature have
 * exactly the shape gmv writes and Ed25519 accepts the signature; for anything else (another shape,
 * a key that expires or is revoked, a signature that does not verify here) it answers null and the
 * caller asks openpgp.js, whose verdict stands.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { x25519Secret } from './key-wrap.js';

export interface Ed25519Key {
  /** v4 fingerprint, upper-case hex (as openpgp.js and the vault write it). */
  fingerprint: string;
  /** Key creation time, seconds since the epoch. */
  created: number;
  key: KeyObject;
}

const ED25519_OID = Buffer.from('2b06010401da470f01', 'hex');
const EDDSA_LEGACY = 22;
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const HASHES: Readonly<Record<number, string>> = { 8: 'sha256', 9: 'sha384', 10: 'sha512' };
/** Hashed subpackets gmv's signatures carry: creation time, issuer key ID, notation (openpgp.js salt), issuer fingerprint. */
const KNOWN_SUBPACKETS = new Set([2, 16, 20, 33]);
/** Of those, a document signature may mark only the creation time critical. */
const DOCUMENT_CRITICAL = new Set([2]);

/** The primary key of an armored public key, or null when it is not the plain shape gmv makes. */
export function parseEd25519PublicKey(armored: string): Ed25519Key | null {
  const packets = publicPackets(armored);
  return packets ? primaryOf(packets) : null;
}

function publicPackets(armored: string): Packet[] | null {
  const bytes = dearmor(armored, 'PUBLIC KEY BLOCK');
  return bytes ? readPackets(bytes) : null;
}

/** The Ed25519 primary key of a public key's packets, or null when they are not the plain shape gmv makes. */
function primaryOf(packets: readonly Packet[]): Ed25519Key | null {
  const first = packets[0];
  if (first?.tag !== 6) return null;
  // An OpenPGP revocation or expiry anywhere in the key is openpgp.js's to judge.
  for (const p of packets) {
    if (p.tag !== 2) continue;
    const sig = parseSignatureBody(p.body);
    if (!sig || sig.type === 0x20 || sig.type === 0x28 || sig.type === 0x30 || sig.subpackets.some((s) => s.type === 9 || s.type === 3)) return null;
  }
  const body = first.body;
  if (body.length !== 51 || body[0] !== 4 || body[5] !== EDDSA_LEGACY || body[6] !== ED25519_OID.length
    || !body.subarray(7, 16).equals(ED25519_OID) || body.readUInt16BE(16) !== 263 || body[18] !== 0x40) {
    return null;
  }
  const fingerprint = createHash('sha1').update(keyHeader(body)).update(body).digest('hex').toUpperCase();
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, body.subarray(19, 51)]), format: 'der', type: 'spki' });
  return { fingerprint, created: body.readUInt32BE(1), key };
}

/** The encryption subkey of a key gmv made: its v4 fingerprint and its raw X25519 public key. */
export interface X25519Subkey { fingerprint: string; created: number; raw: Buffer }

const CURVE25519_OID = Buffer.from('2b060104019755010501', 'hex');
const ECDH = 18;
/** Hashed subpackets of the binding signatures openpgp.js writes: creation time, issuer, notation (salt), key flags, issuer fingerprint. */
const BINDING_SUBPACKETS = new Set([2, 16, 20, 27, 33]);
/** Key flags: may encrypt communications, may encrypt storage. */
const ENCRYPT_FLAGS = 0x04 | 0x08;

/**
 * The Curve25519 encryption subkey of an armored public key of exactly the shape gmv makes: an
 * Ed25519 primary key, one user ID with its self-signature, one ECDH subkey with its binding — five
 * packets, nothing else — where the self-signature and the subkey binding both verify here under the
 * primary key and the binding lets the subkey encrypt. Null for anything else — another shape, a
 * revocation or an expiry anywhere, a signature that does not verify — which is then openpgp.js's to
 * judge. What a key wrap is made for (key-wrap.ts) is this subkey.
 */
export function parseX25519Subkey(armored: string, now: Date = new Date()): { primary: Ed25519Key; subkey: X25519Subkey } | null {
  const packets = publicPackets(armored);
  const primary = packets ? primaryOf(packets) : null;
  if (!primary || !packets || packets.map((p) => p.tag).join(',') !== '6,13,2,14,2') return null;
  const [key, userId, selfSig, sub, binding] = packets as [Packet, Packet, Packet, Packet, Packet];
  const body = sub.body;
  if (body.length !== 56 || body[0] !== 4 || body[5] !== ECDH || body[6] !== CURVE25519_OID.length || !body.subarray(7, 17).equals(CURVE25519_OID)
    || body.readUInt16BE(17) !== 263 || body[19] !== 0x40 || body[52] !== 3 || body[53] !== 1) {
    return null;
  }
  const created = body.readUInt32BE(1);
  // The user ID's self-signature (a positive certification, as openpgp.js writes it) over the key and the ID.
  const uidHeader = Buffer.alloc(5);
  uidHeader[0] = 0xb4;
  uidHeader.writeUInt32BE(userId.body.length, 1);
  const self = signedBy(primary, selfSig.body, { type: 0x13, allowed: SELF_SUBPACKETS, critical: KEY_CRITICAL, notBefore: primary.created }, now, [keyHeader(key.body), key.body, uidHeader, userId.body]);
  const bound = signedBy(primary, binding.body, { type: 0x18, allowed: BINDING_SUBPACKETS, critical: KEY_CRITICAL, notBefore: Math.max(created, primary.created) }, now, [keyHeader(key.body), key.body, keyHeader(body), body]);
  if (!self || !bound || (bound.flags & ENCRYPT_FLAGS) === 0) return null;
  const fingerprint = createHash('sha1').update(keyHeader(body)).update(body).digest('hex').toUpperCase();
  return { primary, subkey: { fingerprint, created, raw: Buffer.from(body.subarray(20, 52)) } };
}

/** Hashed subpackets of the user ID self-signatures openpgp.js writes (creation, preferences, issuer, notation, primary user ID, key flags, features). */
const SELF_SUBPACKETS = new Set([2, 11, 16, 20, 21, 22, 25, 27, 30, 33]);

/** Subpackets a key's own signatures may mark critical (openpgp.js marks the creation time and the key flags). */
const KEY_CRITICAL = new Set([2, 27]);

interface SignatureRule { type: number; allowed: ReadonlySet<number>; critical: ReadonlySet<number>; notBefore: number }

/**
 * Whether `body` (a v4 signature packet) is `key`'s signature of `rule.type` over `signed`, with
 * only the subpackets the rule allows (and marks critical only those it may), made no earlier than
 * `rule.notBefore` and not in the future; its key flags.
 */
function signedBy(key: Ed25519Key, body: Buffer, rule: SignatureRule, now: Date, signed: readonly Uint8Array[]): { flags: number } | null {
  const sig = parseSignatureBody(body);
  if (!sig || sig.type !== rule.type || sig.algorithm !== EDDSA_LEGACY || !sig.r || !sig.s) return null;
  const hash = HASHES[sig.hash];
  if (!hash) return null;
  let signedAt: number | null = null;
  let flags = 0;
  for (const sub of sig.subpackets) {
    if (!rule.allowed.has(sub.type) || (sub.critical && !rule.critical.has(sub.type))) return null;
    if (sub.type === 2 && sub.data.length === 4) signedAt = sub.data.readUInt32BE(0);
    if (sub.type === 27) flags = sub.data[0] ?? 0;
    if (sub.type === 33 && (sub.data.length !== 21 || sub.data[0] !== 4 || sub.data.subarray(1).toString('hex').toUpperCase() !== key.fingerprint)) return null;
  }
  // Made after the key and not in the future, as openpgp.js requires.
  if (signedAt === null || signedAt < rule.notBefore || signedAt > now.getTime() / 1000) return null;
  const trailer = Buffer.from([0x04, 0xff, 0, 0, 0, 0]);
  trailer.writeUInt32BE(sig.hashed.length, 2);
  const digest = createHash(hash);
  for (const part of signed) digest.update(part);
  const d = digest.update(sig.hashed).update(trailer).digest();
  if (d[0] !== sig.left16[0] || d[1] !== sig.left16[1]) return null;
  // Legacy EdDSA signs the digest; r and s are MPIs that may have lost leading zero bytes.
  const rs = Buffer.concat([leftPad(sig.r), leftPad(sig.s)]);
  return rs.length === 64 && verify(null, d, key.key, rs) ? { flags } : null;
}

/** An unencrypted secret key of gmv's shape, opened with node:crypto: signs as its primary key, decrypts as its subkey. */
export interface GmvSecretKey {
  fingerprint: string;
  created: number;
  signing: KeyObject;
  /** The subkey's X25519 public key, and its secret as OpenPGP stores it (big-endian, 32 bytes). */
  subkey: { raw: Buffer; d: Buffer };
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The secret key in `armored` (an OpenPGP private key block, unencrypted: gmv seals it itself) when
 * it is exactly gmv's shape: an Ed25519 primary key and one Curve25519 ECDH subkey, each secret with
 * a checksum that holds and a public half that matches it. Null for anything else (openpgp.js reads it then).
 */
export function parseGmvSecretKey(armored: string): GmvSecretKey | null {
  const bytes = dearmor(armored, 'PRIVATE KEY BLOCK');
  const packets = bytes ? readPackets(bytes) : null;
  if (!packets || packets[0]?.tag !== 5 || packets.filter((p) => p.tag === 5 || p.tag === 7).length !== 2) return null;
  const sub = packets.find((p) => p.tag === 7);
  const primary = secretPart(packets[0]!.body, 51);
  const secondary = sub ? secretPart(sub.body, 56) : null;
  if (!primary || !secondary) return null;
  const pub = primary.public;
  if (pub[0] !== 4 || pub[5] !== EDDSA_LEGACY || pub[6] !== ED25519_OID.length || !pub.subarray(7, 16).equals(ED25519_OID) || pub.readUInt16BE(16) !== 263 || pub[18] !== 0x40) return null;
  const sp = secondary.public;
  if (sp[0] !== 4 || sp[5] !== ECDH || sp[6] !== CURVE25519_OID.length || !sp.subarray(7, 17).equals(CURVE25519_OID) || sp.readUInt16BE(17) !== 263 || sp[19] !== 0x40) return null;
  const der = Buffer.concat([PKCS8_ED25519, primary.secret]);
  let signing: KeyObject;
  try {
    signing = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    return null;
  } finally {
    der.fill(0);
    primary.secret.fill(0);
  }
  // The public halves must be the secrets' own: a key packet that lies about either is not gmv's.
  const ownPublic = Buffer.from(createPublicKey(signing).export({ format: 'jwk' }).x!, 'base64url');
  if (!ownPublic.equals(pub.subarray(19, 51))) return null;
  let subPublic: Buffer;
  try {
    subPublic = Buffer.from(createPublicKey(x25519Secret(secondary.secret)).export({ format: 'jwk' }).x!, 'base64url');
  } catch {
    return null;
  }
  if (!subPublic.equals(sp.subarray(20, 52))) return null;
  const fingerprint = createHash('sha1').update(keyHeader(pub)).update(pub).digest('hex').toUpperCase();
  return { fingerprint, created: pub.readUInt32BE(1), signing, subkey: { raw: Buffer.from(sp.subarray(20, 52)), d: secondary.secret } };
}

/** The public key packet and the 32-byte secret of an unencrypted v4 secret key packet whose public part is `publicLength` bytes. */
function secretPart(body: Buffer, publicLength: number): { public: Buffer; secret: Buffer } | null {
  if (body.length < publicLength + 5 || body[publicLength] !== 0) return null;
  const at = publicLength + 1;
  const size = (body.readUInt16BE(at) + 7) >> 3;
  if (size > 32 || at + 2 + size + 2 !== body.length) return null;
  let sum = 0;
  for (let i = at; i < at + 2 + size; i++) sum = (sum + body[i]!) & 0xffff;
  if (sum !== body.readUInt16BE(at + 2 + size)) return null;
  return { public: body.subarray(0, publicLength), secret: leftPad(Buffer.from(body.subarray(at + 2, at + 2 + size))) };
}

const SALT_NOTATION = Buffer.from('salt@notations.openpgpjs.org', 'utf8');

/**
 * A binary v4 detached signature of `data` by `key`'s primary key: SHA-256; creation time, issuer
 * fingerprint and a random salt notation (as openpgp.js adds against fault attacks) hashed; the
 * issuer key ID unhashed. What GnuPG, openpgp.js and verifyEd25519Detached all accept.
 */
export function signEd25519Detached(data: Uint8Array, key: Pick<GmvSecretKey, 'fingerprint' | 'signing'>, now: Date = new Date()): Buffer {
  const created = Buffer.alloc(4);
  created.writeUInt32BE(Math.floor(now.getTime() / 1000));
  const salt = randomBytes(16);
  const notation = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, SALT_NOTATION.length, 0, salt.length]), SALT_NOTATION, salt]);
  const fpr = Buffer.from(key.fingerprint, 'hex');
  const hashedArea = Buffer.concat([subpacket(2, created), subpacket(33, Buffer.concat([Buffer.from([4]), fpr])), subpacket(20, notation)]);
  const hashed = Buffer.concat([Buffer.from([4, 0x00, EDDSA_LEGACY, 8, hashedArea.length >> 8, hashedArea.length & 0xff]), hashedArea]);
  const trailer = Buffer.from([0x04, 0xff, 0, 0, 0, 0]);
  trailer.writeUInt32BE(hashed.length, 2);
  const digest = createHash('sha256').update(data).update(hashed).update(trailer).digest();
  const rs = sign(null, digest, key.signing);
  const unhashed = subpacket(16, fpr.subarray(12));
  const body = Buffer.concat([hashed, Buffer.from([unhashed.length >> 8, unhashed.length & 0xff]), unhashed, digest.subarray(0, 2), mpi(rs.subarray(0, 32)), mpi(rs.subarray(32))]);
  if (body.length >= 192) throw new Error('a gmv signature packet is short');
  return Buffer.concat([Buffer.from([0xc2, body.length]), body]);
}

function subpacket(type: number, data: Buffer): Buffer {
  if (data.length + 1 >= 192) throw new Error('a gmv signature subpacket is short');
  return Buffer.concat([Buffer.from([data.length + 1, type]), data]);
}

/** An OpenPGP MPI: bit count, then the big-endian bytes without leading zeros. */
function mpi(value: Buffer): Buffer {
  let i = 0;
  while (i < value.length && value[i] === 0) i += 1;
  if (i === value.length) return Buffer.from([0, 0]);
  const bytes = value.subarray(i);
  const bits = (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
  return Buffer.concat([Buffer.from([bits >> 8, bits & 0xff]), bytes]);
}

/** What a v4 key packet is hashed with: 0x99 and its two-byte length. */
function keyHeader(body: Buffer): Buffer {
  const header = Buffer.from([0x99, 0, 0]);
  header.writeUInt16BE(body.length, 1);
  return header;
}

/**
 * True when `signature` (one binary v4 signature packet) is `key`'s valid detached signature of
 * `data` as a binary document; null when that cannot be established here.
 */
export function verifyEd25519Detached(data: Uint8Array, signature: Uint8Array, key: Ed25519Key, now: Date = new Date()): true | null {
  const packets = readPackets(Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength));
  if (packets?.length !== 1 || packets[0]!.tag !== 2) return null;
  return signedBy(key, packets[0]!.body, { type: 0x00, allowed: KNOWN_SUBPACKETS, critical: DOCUMENT_CRITICAL, notBefore: key.created }, now, [data]) ? true : null;
}

interface Packet { tag: number; body: Buffer }

/** Every packet of a binary OpenPGP message; null on anything malformed or unsupported (partial lengths). */
function readPackets(bytes: Buffer): Packet[] | null {
  const packets: Packet[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const h = bytes[pos]!;
    if ((h & 0x80) === 0) return null;
    let tag: number;
    let len: number;
    let off: number;
    if (h & 0x40) {
      tag = h & 0x3f;
      const l0 = bytes[pos + 1];
      if (l0 === undefined) return null;
      if (l0 < 192) [len, off] = [l0, pos + 2];
      else if (l0 < 224) {
        if (pos + 2 >= bytes.length) return null;
        [len, off] = [((l0 - 192) << 8) + bytes[pos + 2]! + 192, pos + 3];
      } else if (l0 === 255) {
        if (pos + 6 > bytes.length) return null;
        [len, off] = [bytes.readUInt32BE(pos + 2), pos + 6];
      } else return null;
    } else {
      tag = (h >> 2) & 0x0f;
      const lengthType = h & 0x03;
      if (lengthType === 3) return null;
      const size = 1 << lengthType;
      if (pos + 1 + size > bytes.length) return null;
      len = bytes.readUIntBE(pos + 1, size);
      off = pos + 1 + size;
    }
    if (off + len > bytes.length) return null;
    packets.push({ tag, body: bytes.subarray(off, off + len) });
    pos = off + len;
  }
  return packets;
}

interface Subpacket { type: number; critical: boolean; data: Buffer }
interface SignatureBody {
  type: number;
  algorithm: number;
  hash: number;
  /** Version through the hashed subpackets: what the digest covers besides the data. */
  hashed: Buffer;
  subpackets: Subpacket[];
  left16: Buffer;
  r: Buffer | null;
  s: Buffer | null;
}

function parseSignatureBody(body: Buffer): SignatureBody | null {
  if (body.length < 10 || body[0] !== 4) return null;
  const hashedLength = body.readUInt16BE(4);
  const hashedEnd = 6 + hashedLength;
  if (hashedEnd + 2 > body.length) return null;
  const subpackets = readSubpackets(body.subarray(6, hashedEnd));
  const unhashedEnd = hashedEnd + 2 + body.readUInt16BE(hashedEnd);
  if (!subpackets || unhashedEnd + 2 > body.length) return null;
  const left16 = body.subarray(unhashedEnd, unhashedEnd + 2);
  let pos = unhashedEnd + 2;
  const mpi = (): Buffer | null => {
    if (pos + 2 > body.length) return null;
    const size = (body.readUInt16BE(pos) + 7) >> 3;
    if (pos + 2 + size > body.length) return null;
    const value = body.subarray(pos + 2, pos + 2 + size);
    pos += 2 + size;
    return value;
  };
  const r = body[2] === EDDSA_LEGACY ? mpi() : null;
  const s = body[2] === EDDSA_LEGACY ? mpi() : null;
  if (body[2] === EDDSA_LEGACY && pos !== body.length) return null;
  return { type: body[1]!, algorithm: body[2]!, hash: body[3]!, hashed: body.subarray(0, hashedEnd), subpackets, left16, r, s };
}

function readSubpackets(area: Buffer): Subpacket[] | null {
  const out: Subpacket[] = [];
  let pos = 0;
  while (pos < area.length) {
    const l0 = area[pos]!;
    let len: number;
    let off: number;
    if (l0 < 192) [len, off] = [l0, pos + 1];
    else if (l0 < 255) {
      if (pos + 1 >= area.length) return null;
      [len, off] = [((l0 - 192) << 8) + area[pos + 1]! + 192, pos + 2];
    } else {
      if (pos + 5 > area.length) return null;
      [len, off] = [area.readUInt32BE(pos + 1), pos + 5];
    }
    if (len < 1 || off + len > area.length) return null;
    out.push({ type: area[off]! & 0x7f, critical: (area[off]! & 0x80) !== 0, data: area.subarray(off + 1, off + len) });
    pos = off + len;
  }
  return out;
}

function leftPad(mpi: Buffer): Buffer {
  return mpi.length >= 32 ? mpi : Buffer.concat([Buffer.alloc(32 - mpi.length), mpi]);
}

/** The bytes inside an ASCII armor of `type`; null if the text is not one such armor (the CRC line, if any, is left to openpgp.js). */
function dearmor(text: string, type: string): Buffer | null {
  const lines = text.replace(/\r\n/g, '\n').trim().split('\n');
  if (lines[0] !== `-----BEGIN PGP ${type}-----` || lines.at(-1) !== `-----END PGP ${type}-----`) return null;
  let i = 1;
  while (i < lines.length - 1 && /^[A-Za-z-]+: /.test(lines[i]!)) i += 1;
  if (lines[i] !== '') return null;
  const body = lines.slice(i + 1, -1).filter((line) => !/^=[A-Za-z0-9+/]{4}$/.test(line)).join('');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return null;
  return Buffer.from(body, 'base64');
}
