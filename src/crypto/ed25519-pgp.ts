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
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

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

/** The primary key of an armored public key, or null when it is not the plain shape gmv makes. */
export function parseEd25519PublicKey(armored: string): Ed25519Key | null {
  const bytes = dearmor(armored, 'PUBLIC KEY BLOCK');
  if (!bytes) return null;
  const packets = readPackets(bytes);
  const first = packets?.[0];
  if (!packets || first?.tag !== 6) return null;
  // An OpenPGP revocation or expiry anywhere in the key is openpgp.js's to judge.
  for (const p of packets) {
    if (p.tag !== 2) continue;
    const sig = parseSignatureBody(p.body);
    if (!sig || sig.type === 0x20 || sig.type === 0x28 || sig.subpackets.some((s) => s.type === 9)) return null;
  }
  const body = first.body;
  if (body.length !== 51 || body[0] !== 4 || body[5] !== EDDSA_LEGACY || body[6] !== ED25519_OID.length
    || !body.subarray(7, 16).equals(ED25519_OID) || body.readUInt16BE(16) !== 263 || body[18] !== 0x40) {
    return null;
  }
  const header = Buffer.from([0x99, 0, 0]);
  header.writeUInt16BE(body.length, 1);
  const fingerprint = createHash('sha1').update(header).update(body).digest('hex').toUpperCase();
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, body.subarray(19, 51)]), format: 'der', type: 'spki' });
  return { fingerprint, created: body.readUInt32BE(1), key };
}

/**
 * True when `signature` (one binary v4 signature packet) is `key`'s valid detached signature of
 * `data` as a binary document; null when that cannot be established here.
 */
export function verifyEd25519Detached(data: Uint8Array, signature: Uint8Array, key: Ed25519Key, now: Date = new Date()): true | null {
  const packets = readPackets(Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength));
  if (packets?.length !== 1 || packets[0]!.tag !== 2) return null;
  const sig = parseSignatureBody(packets[0]!.body);
  if (!sig || sig.type !== 0x00 || sig.algorithm !== EDDSA_LEGACY || !sig.r || !sig.s) return null;
  const hash = HASHES[sig.hash];
  if (!hash) return null;
  let created: number | null = null;
  for (const sub of sig.subpackets) {
    if (!KNOWN_SUBPACKETS.has(sub.type) || (sub.critical && sub.type !== 2)) return null;
    if (sub.type === 2 && sub.data.length === 4) created = sub.data.readUInt32BE(0);
    if (sub.type === 33 && (sub.data.length !== 21 || sub.data[0] !== 4 || sub.data.subarray(1).toString('hex').toUpperCase() !== key.fingerprint)) return null;
  }
  // Made after the key and not in the future, as openpgp.js requires.
  if (created === null || created < key.created || created > now.getTime() / 1000) return null;
  const trailer = Buffer.from([0x04, 0xff, 0, 0, 0, 0]);
  trailer.writeUInt32BE(sig.hashed.length, 2);
  const digest = createHash(hash).update(data).update(sig.hashed).update(trailer).digest();
  if (digest[0] !== sig.left16[0] || digest[1] !== sig.left16[1]) return null;
  // Legacy EdDSA signs the digest; r and s are MPIs that may have lost leading zero bytes.
  const rs = Buffer.concat([leftPad(sig.r), leftPad(sig.s)]);
  if (rs.length !== 64) return null;
  return verify(null, digest, key.key, rs) ? true : null;
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
