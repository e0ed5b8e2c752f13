/**
 * RFC 9162 (Certificate Transparency v2) section 2.1 Merkle tree over SHA-256.
 *
 * The audit log commits to its entries with this tree so that anyone holding a
 * checkpoint (tree size + root) can later be convinced, with O(log n) hashes,
 * that an entry is in the log (inclusion) and that the log only ever grew by
 * appending (consistency). Following the RFC exactly keeps the proofs
 * interoperable with existing transparency-log tooling.
 *
 * Every function here works on leaf hashes (the output of {@link leafHash}),
 * never on raw entries, so callers decide how an entry is serialised.
 */
import * as crypto from 'node:crypto';

/** Size in bytes of every hash in the tree (SHA-256). */
const HASH_SIZE = 32;

// The one-byte prefixes are the RFC's domain separation: without them an
// interior node could be passed off as a leaf (second-preimage attack).
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = 0x01;

/**
 * SHA-256 of one buffer. The one-shot crypto.hash (Node >= 20.12) avoids
 * building a Hash stream object per call, markedly faster on the 65-byte
 * node inputs that dominate tree building; Node 20.11 (still allowed by
 * "engines") falls back to createHash. Chosen once at load, nothing mutable.
 */
export const sha256: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** SHA-256 as a 32-character one-byte string ('binary' is Node's name for latin1). */
const sha256Binary: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

/**
 * SHA-256(0x00 || UTF-8 of text) as a one-byte string: a string input is UTF-8-encoded by
 * crypto.hash itself, in one call, without writing the text into a Buffer and slicing a view of it
 * first. Null where crypto.hash is missing (Node 20.11): the accumulator then fills its own buffer.
 */
const leafHashOfText: ((text: string) => string) | null =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', '\0' + text, 'binary') : null;

/**
 * MTH({}), the root of the empty tree: SHA-256 of the empty string.
 * Shared instance; treat it as read-only (functions here return copies of it).
 */
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

/** Leaf hash of one entry: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX, data]));
}

/** Interior node hash of two children: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  // Filled by hand rather than with Buffer.concat: this is the hot path of
  // every tree operation and skipping concat's bookkeeping is measurably faster.
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/**
 * Largest power of two strictly smaller than n (n >= 2): the RFC's split
 * point k, which makes the left subtree always perfect.
 */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Whether n is an exact power of two (n >= 1). */
function isPowerOfTwo(n: number): boolean {
  return splitPoint(n + 1) === n;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Number of set bits of n; arithmetic so sizes above 2^32 work. */
function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

function isHash(h: Uint8Array): boolean {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function requireLeafHashes(leafHashes: readonly Uint8Array[]): void {
  for (let i = 0; i < leafHashes.length; i++) {
    const h = leafHashes[i];
    if (h === undefined || !isHash(h)) {
      throw new Error(`merkle: leaf hash ${i} must be a ${HASH_SIZE}-byte Uint8Array`);
    }
  }
}

/** Index access that the callers' range checks have already made safe. */
function at(hashes: readonly Uint8Array[], i: number): Uint8Array {
  const h = hashes[i];
  if (h === undefined) throw new Error(`merkle: internal error, no leaf hash at ${i}`);
  return h;
}

/**
 * MTH(D[lo:hi]) for a non-empty range; recursion depth is log2(hi - lo).
 * A single leaf comes back as the caller's own array (no copy), so this is
 * only for feeding nodeHash; use ownedSubtreeRoot for anything handed out.
 */
function subtreeRoot(hashes: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 1) return at(hashes, lo);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(hashes, lo, lo + k), subtreeRoot(hashes, lo + k, hi));
}

/** MTH(D[lo:hi]) as a fresh Buffer the caller may keep or mutate. */
function ownedSubtreeRoot(hashes: readonly Uint8Array[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 1) return Buffer.from(at(hashes, lo));
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(hashes, lo, lo + k), subtreeRoot(hashes, lo + k, hi));
}

/**
 * MTH(D[n]), the Merkle Tree Hash of a list of leaf hashes (RFC 9162 2.1.1).
 * An odd node on the right is promoted unchanged, never duplicated, because the
 * split is always at the largest power of two below n.
 */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  requireLeafHashes(leafHashes);
  if (leafHashes.length === 0) return Buffer.from(EMPTY_ROOT);
  return ownedSubtreeRoot(leafHashes, 0, leafHashes.length);
}

/**
 * Incremental tree: append leaf hashes one at a time in O(log n) memory, ask
 * the root at the current size at any time (O(log n)). Used to stream-verify
 * 100,000+ audit entries and compare against checkpoints at intermediate sizes.
 *
 * It keeps only the roots of the perfect subtrees that make up the current
 * size (one per set bit of the size, largest first), which is all the RFC's
 * left-heavy split ever needs.
 *
 * Inside, hashes are 32-character one-byte ("latin1") strings written into one
 * reused input buffer: allocating a Buffer per digest dominated the cost of
 * verifying a large log. Buffers go in and come out at the edges only.
 */
export class MerkleAccumulator {
  /** Perfect-subtree roots, largest (leftmost) first; sizes are the set bits of #size. */
  readonly #peaks: string[] = [];
  #size = 0;
  /** 0x01 || left || right, rewritten for every interior node. */
  readonly #node = Buffer.alloc(1 + 2 * HASH_SIZE, NODE_PREFIX);
  /** 0x00 || entry bytes, grown when an entry is larger. */
  #leaf = Buffer.alloc(4096);

  /** Adds the next leaf hash (32 bytes); throws if it is not a SHA-256 digest. */
  append(leafHash: Uint8Array): void {
    if (!isHash(leafHash)) {
      throw new Error(`merkle: leaf hash must be a ${HASH_SIZE}-byte Uint8Array`);
    }
    this.#push(Buffer.from(leafHash.buffer, leafHash.byteOffset, HASH_SIZE).toString('latin1'));
  }

  /**
   * Adds the entry whose UTF-8 text is `text`: the same as append(leafHash(Buffer.from(text))),
   * without the intermediate buffers. Its leaf hash is also pushed onto `leaves` when given.
   */
  appendEntry(text: string, leaves?: Buffer[]): void {
    const hash = leafHashOfText ? leafHashOfText(text) : this.#leafHashOfText(text);
    this.#push(hash);
    leaves?.push(Buffer.from(hash, 'latin1'));
  }

  #leafHashOfText(text: string): string {
    const needed = Buffer.byteLength(text, 'utf8') + 1;
    if (needed > this.#leaf.length) this.#leaf = Buffer.alloc(needed * 2);
    const written = this.#leaf.write(text, 1, 'utf8');
    return sha256Binary(this.#leaf.subarray(0, written + 1));
  }

  #push(leaf: string): void {
    // Each trailing 1 bit of the old size is a perfect subtree of the same
    // height as the incoming one: merging them is binary addition with hashes.
    let carry = leaf;
    for (let s = this.#size; s % 2 === 1; s = (s - 1) / 2) {
      const left = this.#peaks.pop();
      if (left === undefined) throw new Error('merkle: internal error, accumulator underflow');
      carry = this.#nodeHash(left, carry);
    }
    this.#peaks.push(carry);
    this.#size += 1;
  }

  #nodeHash(left: string, right: string): string {
    this.#node.write(left, 1, 'latin1');
    this.#node.write(right, 1 + HASH_SIZE, 'latin1');
    return sha256Binary(this.#node);
  }

  /**
   * Rebuilds an accumulator from a persisted frontier (size + {@link peaks}),
   * so a log can resume appending without rereading every entry. Throws if
   * the peak count does not match the size or a peak is not 32 bytes.
   */
  static restore(size: number, peaks: readonly Uint8Array[]): MerkleAccumulator {
    if (!isSize(size)) throw new Error(`merkle: tree size ${size} must be a non-negative safe integer`);
    const want = popcount(size);
    if (peaks.length !== want) {
      throw new Error(`merkle: a tree of size ${size} has ${want} peaks, got ${peaks.length}`);
    }
    const acc = new MerkleAccumulator();
    for (const p of peaks) {
      if (!isHash(p)) throw new Error(`merkle: peak must be a ${HASH_SIZE}-byte Uint8Array`);
      acc.#peaks.push(Buffer.from(p.buffer, p.byteOffset, HASH_SIZE).toString('latin1'));
    }
    acc.#size = size;
    return acc;
  }

  /** Copies of the perfect-subtree roots, largest (leftmost) first: the state to persist for {@link restore}. */
  peaks(): Buffer[] {
    return this.#peaks.map((p) => Buffer.from(p, 'latin1'));
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** MTH of the leaves appended so far (EMPTY_ROOT when none). */
  root(): Buffer {
    const peaks = this.#peaks;
    const last = peaks[peaks.length - 1];
    if (last === undefined) return Buffer.from(EMPTY_ROOT);
    // The RFC tree of any size is the peaks folded right to left.
    let r = last;
    for (let i = peaks.length - 2; i >= 0; i--) r = this.#nodeHash(peaks[i]!, r);
    return Buffer.from(r, 'latin1');
  }
}

/** PATH(m, D[lo:hi]) appended to out, leaf end first. */
function path(m: number, hashes: readonly Uint8Array[], lo: number, hi: number, out: Buffer[]): void {
  const n = hi - lo;
  if (n === 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(m, hashes, lo, lo + k, out);
    out.push(ownedSubtreeRoot(hashes, lo + k, hi));
  } else {
    path(m - k, hashes, lo + k, hi, out);
    out.push(ownedSubtreeRoot(hashes, lo, lo + k));
  }
}

/**
 * Audit path PATH(index, D[n]) proving leaf `index` is in the tree of all
 * `leafHashes` (RFC 9162 2.1.3.1), ordered from the leaf's sibling upwards.
 * Throws if index is not in [0, n).
 */
export function inclusionProof(index: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) {
    throw new Error(`merkle: leaf index ${index} out of range for tree size ${n}`);
  }
  requireLeafHashes(leafHashes);
  const out: Buffer[] = [];
  path(index, leafHashes, 0, n, out);
  return out;
}

/**
 * Recomputes the root from a leaf and its audit path with the RFC 9162
 * 2.1.3.2 algorithm and compares it to `root`. Returns false, never throws,
 * for any malformed input (bad sizes, wrong proof length, non-32-byte hashes).
 */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root)) return false;
  if (!proof.every(isHash)) return false;

  // Arithmetic instead of bit operators: sizes may exceed 2^31.
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node has no right sibling (promoted node).
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(root).equals(r);
}

/** SUBPROOF(m, D[lo:hi], b) appended to out, smallest subtrees first. */
function subproof(
  m: number,
  hashes: readonly Uint8Array[],
  lo: number,
  hi: number,
  complete: boolean,
  out: Buffer[],
): void {
  const n = hi - lo;
  if (m === n) {
    if (!complete) out.push(ownedSubtreeRoot(hashes, lo, hi));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(m, hashes, lo, lo + k, complete, out);
    out.push(ownedSubtreeRoot(hashes, lo + k, hi));
  } else {
    subproof(m - k, hashes, lo + k, hi, false, out);
    out.push(ownedSubtreeRoot(hashes, lo, lo + k));
  }
}

/**
 * Consistency proof PROOF(oldSize, D[n]) (RFC 9162 2.1.4.1) that the tree of
 * the first `oldSize` leaves is a prefix of the tree of all n `leafHashes`.
 * Empty when oldSize is 0 or n (nothing to prove). Throws if oldSize > n.
 */
export function consistencyProof(oldSize: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  const n = leafHashes.length;
  if (!isSize(oldSize) || oldSize > n) {
    throw new Error(`merkle: old tree size ${oldSize} must be an integer in [0, ${n}]`);
  }
  requireLeafHashes(leafHashes);
  const out: Buffer[] = [];
  if (oldSize === 0) return out;
  subproof(oldSize, leafHashes, 0, n, true, out);
  return out;
}

/**
 * Checks that the tree of size `oldSize` with root `oldRoot` is a prefix of
 * the tree of size `newSize` with root `newRoot`, with the RFC 9162 2.1.4.2
 * algorithm. Edge cases: equal sizes need an empty proof and equal roots;
 * oldSize 0 needs an empty proof and oldRoot equal to EMPTY_ROOT (the empty
 * tree is a prefix of every tree, but a wrong root for it is still a lie).
 * Returns false, never throws, for any malformed input.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot)) return false;
  if (!proof.every(isHash)) return false;
  const first = Buffer.from(oldRoot);
  const second = Buffer.from(newRoot);

  if (oldSize === 0) return proof.length === 0 && first.equals(EMPTY_ROOT);
  if (oldSize === newSize) return proof.length === 0 && first.equals(second);
  if (proof.length === 0) return false;

  // When the old tree is a perfect subtree of the new one the prover omits
  // its root, since the verifier already has it.
  const chain: readonly Uint8Array[] = isPowerOfTwo(oldSize) ? [first, ...proof] : proof;

  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  const [seed, ...rest] = chain;
  if (seed === undefined) return false;
  let fr: Uint8Array = seed;
  let sr: Uint8Array = seed;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && first.equals(fr) && second.equals(sr);
}
