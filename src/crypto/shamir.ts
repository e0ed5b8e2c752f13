/**
 * Shamir secret sharing over GF(2^8) with the AES reduction polynomial x^8+x^4+x^3+x+1 (0x11B).
 * Used to split the organisation's offline recovery key among k-of-n security officers, so that no
 * single officer (nor any k-1 of them) learns anything about the key.
 *
 * Every byte of the secret is shared independently with its own random polynomial; a share's `y`
 * holds that polynomial family evaluated at the share's `x`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { render, type MessageKey } from '../i18n/catalogue.js';

/** One officer's share of a split secret. */
export interface Share {
  /** Evaluation point, 1..255 (0 would be the secret itself). */
  x: number;
  /** Number of shares needed to recover the secret (2..255). */
  threshold: number;
  /** Identifies the split (16 lowercase hex digits), so shares of different splits are never combined. */
  id: string;
  /** One byte per secret byte: each byte's polynomial evaluated at `x`. */
  y: Uint8Array;
}

const MAX_SHARES = 255;
const PREFIX = 'gmv-share';
const VERSION = '1';

/** A share or set of shares that does not recover the key: `detail` names why (a catalogue key), in the reader's language when shown. */
export class ShareError extends Error {
  constructor(readonly detail: MessageKey, readonly params: Record<string, string | number> = {}) {
    super(render(detail, params, 'en'));
    this.name = 'ShareError';
  }
}

const ID_RE = /^[0-9a-f]{16}$/;
// No leading zeros, so every share has exactly one spelling and the checksum covers a canonical text.
const SMALL_INT_RE = /^[1-9][0-9]{0,2}$/;
// Base64url without padding, which is what Buffer#toString('base64url') emits.
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const CHECKSUM_RE = /^[0-9a-f]{8}$/;

/**
 * Multiply two bytes in GF(2^8) modulo 0x11B.
 *
 * Shift-and-add with masks rather than log/exp tables: the operands include secret bytes, and
 * neither branches nor data-dependent table indices then depend on them (no cache-timing leak).
 * Operands must be integers in 0..255.
 */
export function gfMul(a: number, b: number): number {
  let product = 0;
  for (let i = 0; i < 8; i++) {
    product ^= -(b & 1) & a;
    const carry = -((a >> 7) & 1);
    a = ((a << 1) ^ (carry & 0x11b)) & 0xff;
    b >>= 1;
  }
  return product & 0xff;
}

/** a^254 = a^-1 in GF(2^8) (the multiplicative group has order 255); only ever called with a != 0. */
function gfInv(a: number): number {
  // Square-and-multiply over the fixed exponent 254 = 0b11111110, so the work does not depend on `a`.
  let result = 1;
  let base = a;
  for (let e = 254; e > 0; e >>= 1) {
    if (e & 1) result = gfMul(result, base);
    base = gfMul(base, base);
  }
  return result;
}

/**
 * Split `secret` into `shares` shares, any `threshold` of which recover it and fewer reveal nothing.
 *
 * @param secret    the bytes to protect (at least one byte); not modified
 * @param shares    number of shares to produce, n (threshold..255)
 * @param threshold number of shares needed to recover, k (2..n)
 * @returns n shares with x-coordinates 1..n and a fresh random split id
 * @throws Error on an empty secret or out-of-range / non-integer counts
 */
export function splitSecret(secret: Uint8Array, shares: number, threshold: number): Share[] {
  if (!(secret instanceof Uint8Array)) throw new Error('secret must be a Uint8Array');
  if (secret.length === 0) throw new Error('secret must not be empty');
  if (!Number.isInteger(threshold) || threshold < 2) {
    // A threshold of 1 would hand every officer the whole secret.
    throw new Error(`threshold must be an integer of at least 2 (got ${String(threshold)})`);
  }
  if (!Number.isInteger(shares) || shares < threshold) {
    throw new Error(`shares must be an integer no smaller than threshold ${threshold} (got ${String(shares)})`);
  }
  if (shares > MAX_SHARES) {
    // Only 255 non-zero x-coordinates exist in GF(2^8).
    throw new Error(`shares must be at most ${MAX_SHARES} (got ${shares})`);
  }

  const degree = threshold - 1;
  // Coefficients 1..k-1 of every byte's polynomial; uniformly random, including possibly zero, since
  // excluding zero would make k-1 shares leak information about the secret.
  const coefficients = randomBytes(secret.length * degree);
  const id = randomBytes(8).toString('hex');
  const out: Share[] = [];
  try {
    for (let x = 1; x <= shares; x++) {
      const y = new Uint8Array(secret.length);
      for (let i = 0; i < secret.length; i++) {
        const base = i * degree;
        // Horner's rule, highest coefficient first; the secret byte is the constant term.
        let acc = 0;
        for (let j = degree - 1; j >= 0; j--) acc = gfMul(acc, x) ^ (coefficients[base + j] ?? 0);
        y[i] = gfMul(acc, x) ^ (secret[i] ?? 0);
      }
      out.push({ x, threshold, id, y });
    }
  } finally {
    // With the coefficients, a single share would reveal the secret.
    coefficients.fill(0);
  }
  return out;
}

/**
 * Recover the secret from at least `threshold` shares of one split (Lagrange interpolation at x = 0).
 *
 * Only the first `threshold` shares are used: any k points determine the polynomial.
 *
 * @returns the secret; the caller should zero it once done
 * @throws Error when given fewer than `threshold` shares, shares of different splits, thresholds or
 *         lengths, duplicate x-coordinates, or an x-coordinate outside 1..255
 */
export function combineShares(shares: readonly Share[]): Uint8Array {
  const first = shares[0];
  if (first === undefined) throw new ShareError('detail.shareNone');
  const { id, threshold } = first;
  if (typeof id !== 'string' || id.length === 0) throw new ShareError('detail.shareNoId');
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > MAX_SHARES) {
    throw new ShareError('detail.shareThreshold', { max: MAX_SHARES });
  }
  if (!(first.y instanceof Uint8Array) || first.y.length === 0) throw new ShareError('detail.shareNoData');
  const length = first.y.length;

  const seen = new Set<number>();
  for (const share of shares) {
    if (share.id !== id) throw new ShareError('detail.shareSplits');
    if (share.threshold !== threshold) throw new ShareError('detail.shareThresholds');
    if (!Number.isInteger(share.x) || share.x < 1 || share.x > MAX_SHARES) {
      throw new ShareError('detail.shareX', { max: MAX_SHARES });
    }
    if (!(share.y instanceof Uint8Array) || share.y.length !== length) throw new ShareError('detail.shareLengths');
    if (seen.has(share.x)) throw new ShareError('detail.shareDuplicate', { x: share.x });
    seen.add(share.x);
  }
  if (shares.length < threshold) {
    throw new ShareError('detail.shareTooFew', { threshold, count: shares.length });
  }

  const used = shares.slice(0, threshold);
  // Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i), where subtraction is XOR in GF(2^8).
  // These depend only on the public x-coordinates, so compute them once rather than per byte.
  const basis = used.map((share, i) => {
    let numerator = 1;
    let denominator = 1;
    used.forEach((other, j) => {
      if (j === i) return;
      numerator = gfMul(numerator, other.x);
      denominator = gfMul(denominator, other.x ^ share.x);
    });
    return gfMul(numerator, gfInv(denominator));
  });

  const secret = new Uint8Array(length);
  used.forEach((share, i) => {
    const l = basis[i] ?? 0;
    for (let b = 0; b < length; b++) secret[b] = (secret[b] ?? 0) ^ gfMul(share.y[b] ?? 0, l);
  });
  return secret;
}

function checksumOf(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 8);
}

/**
 * Encode a share as one line of text for printing or handing to an officer:
 * `gmv-share-1:<id>:<threshold>:<x>:<base64url y>:<checksum>`, where the checksum is the first
 * 8 hex digits of SHA-256 over everything before the final `:`, so a mistyped share is caught
 * at decode time instead of silently producing a wrong key.
 *
 * @throws Error if the share's fields are out of range (it could not be decoded again)
 */
export function encodeShare(share: Share): string {
  if (!ID_RE.test(share.id)) throw new Error('share id must be 16 lowercase hex digits');
  if (!Number.isInteger(share.threshold) || share.threshold < 2 || share.threshold > MAX_SHARES) {
    throw new Error(`share threshold must be an integer in 2..${MAX_SHARES}`);
  }
  if (!Number.isInteger(share.x) || share.x < 1 || share.x > MAX_SHARES) {
    throw new Error(`share x-coordinate must be an integer in 1..${MAX_SHARES}`);
  }
  if (!(share.y instanceof Uint8Array) || share.y.length === 0) throw new Error('share has no data');
  const y = Buffer.from(share.y.buffer, share.y.byteOffset, share.y.byteLength).toString('base64url');
  const body = `${PREFIX}-${VERSION}:${share.id}:${share.threshold}:${share.x}:${y}`;
  return `${body}:${checksumOf(body)}`;
}

/**
 * Parse a line produced by {@link encodeShare}. Surrounding whitespace is ignored; anything else
 * out of place, or a checksum mismatch, is an error. Error messages name the problem but never
 * echo the share data.
 *
 * @throws Error describing what is wrong with the text
 */
export function decodeShare(text: string): Share {
  if (typeof text !== 'string') throw new ShareError('detail.shareNotText');
  const line = text.trim();
  if (!line.startsWith(`${PREFIX}-`)) throw new ShareError('detail.shareNotGmv', { prefix: PREFIX });
  const fields = line.split(':');
  const [tag, id, thresholdText, xText, yText, checksum] = fields;
  if (tag !== `${PREFIX}-${VERSION}`) throw new ShareError('detail.shareFormat', { format: `${PREFIX}-${VERSION}` });
  if (fields.length !== 6 || id === undefined || thresholdText === undefined || xText === undefined || yText === undefined || checksum === undefined) {
    throw new ShareError('detail.shareFields', { count: fields.length });
  }
  if (!ID_RE.test(id)) throw new ShareError('detail.shareIdForm');
  if (!SMALL_INT_RE.test(thresholdText)) throw new ShareError('detail.shareThresholdForm');
  if (!SMALL_INT_RE.test(xText)) throw new ShareError('detail.shareXForm');
  if (!B64URL_RE.test(yText)) throw new ShareError('detail.shareDataForm');
  if (!CHECKSUM_RE.test(checksum)) throw new ShareError('detail.shareChecksumForm');

  const body = line.slice(0, line.length - checksum.length - 1);
  if (checksumOf(body) !== checksum) throw new ShareError('detail.shareChecksum');

  // Past the checksum, bad values mean a share that was not made by encodeShare, not a typo.
  const threshold = Number(thresholdText);
  const x = Number(xText);
  if (threshold < 2 || threshold > MAX_SHARES) throw new ShareError('detail.shareThresholdRange', { max: MAX_SHARES });
  if (x > MAX_SHARES) throw new ShareError('detail.shareXRange', { max: MAX_SHARES });
  const decoded = Buffer.from(yText, 'base64url');
  try {
    // Node's decoder tolerates stray trailing bits; insisting on the canonical spelling keeps one text per share.
    if (decoded.toString('base64url') !== yText) throw new ShareError('detail.shareDataCanonical');
    return { x, threshold, id, y: new Uint8Array(decoded) };
  } finally {
    decoded.fill(0);
  }
}
