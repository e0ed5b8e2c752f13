import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  MerkleAccumulator,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (bs: readonly Uint8Array[]): string[] => bs.map((b) => Buffer.from(b).toString('hex'));
const sha256 = (...parts: Uint8Array[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();

/**
 * Known-answer vectors, copied as data (hex) from github.com/transparency-dev/merkle:
 *   - testonly/constants.go      LeafInputs(), NodeHashes(), RootHashes(), EmptyRootHash()
 *   - testonly/reference_test.go TestRefInclusionProof, TestRefConsistencyProof (0-based leaf indices)
 *   - proof/verify_test.go       inclusionProofs / consistencyProofs / roots (1-based leaf there; the
 *                                extra 6->7 consistency proof comes from this file)
 * These are the historical certificate-transparency test vectors (same values as the
 * C++ merkle_tree_test.cc / certificate-transparency-go merkle tests).
 */
const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

/** NodeHashes()[level][index]: every complete subtree of the 8-leaf tree. */
const NODE_HASHES: readonly (readonly string[])[] = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RootHashes()[size] for sizes 0..8. */
const ROOTS = [
  EMPTY_ROOT_HEX,
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const INCLUSION_VECTORS: readonly { index: number; size: number; proof: readonly string[] }[] = [
  { index: 0, size: 1, proof: [] },
  { index: 0, size: 2, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7'] },
  { index: 1, size: 2, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'] },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const CONSISTENCY_VECTORS: readonly { m: number; n: number; proof: readonly string[] }[] = [
  { m: 1, n: 1, proof: [] },
  {
    m: 1,
    n: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    m: 6,
    n: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const KAT_LEAVES = LEAF_INPUTS.map(leafHash);

function rootAt(size: number): Buffer {
  const r = ROOTS[size];
  if (r === undefined) throw new Error(`no published root for size ${size}`);
  return hex(r);
}

function pick<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`index ${i} out of range`);
  return x;
}

/** Copy of a proof with one bit pattern XORed into one byte of one element. */
function flipped(proof: readonly Uint8Array[], element: number, byte: number, mask: number): Buffer[] {
  return proof.map((p, i) => {
    const c = Buffer.from(p);
    if (i === element) c[byte] = (c[byte] ?? 0) ^ mask;
    return c;
  });
}

describe('merkle: RFC 9162 known answers (certificate-transparency vectors)', () => {
  it('EMPTY_ROOT is SHA-256 of the empty string and the empty tree root', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(EMPTY_ROOT_HEX);
    expect(rootOf([]).toString('hex')).toBe(EMPTY_ROOT_HEX);
    expect(new MerkleAccumulator().root().toString('hex')).toBe(EMPTY_ROOT_HEX);
  });

  it('leaf hashes of the 8 reference inputs match the published level-0 node hashes', () => {
    expect(toHex(KAT_LEAVES)).toEqual(NODE_HASHES[0]);
  });

  it('every complete subtree hash matches the published NodeHashes', () => {
    NODE_HASHES.forEach((level, height) => {
      const width = 2 ** height;
      level.forEach((want, i) => {
        expect(rootOf(KAT_LEAVES.slice(i * width, (i + 1) * width)).toString('hex')).toBe(want);
      });
    });
  });

  it('rootOf and MerkleAccumulator give the published roots for sizes 0..8', () => {
    const acc = new MerkleAccumulator();
    expect(acc.root().toString('hex')).toBe(ROOTS[0]);
    for (let size = 1; size <= 8; size++) {
      expect(rootOf(KAT_LEAVES.slice(0, size)).toString('hex')).toBe(ROOTS[size]);
      acc.append(pick(KAT_LEAVES, size - 1));
      expect(acc.size).toBe(size);
      expect(acc.root().toString('hex')).toBe(ROOTS[size]);
    }
  });

  it.each(INCLUSION_VECTORS)('inclusion path for leaf $index in tree of size $size', ({ index, size, proof }) => {
    const leaves = KAT_LEAVES.slice(0, size);
    expect(toHex(inclusionProof(index, leaves))).toEqual(proof);
    expect(verifyInclusion(index, size, pick(KAT_LEAVES, index), proof.map(hex), rootAt(size))).toBe(true);
  });

  it.each(INCLUSION_VECTORS.filter((v) => v.proof.length > 0))(
    'corrupted inclusion probes for leaf $index / size $size are rejected',
    ({ index, size, proof: proofHex }) => {
      // Same probes as corruptInclusionProof() in transparency-dev/merkle proof/verify_test.go.
      const proof = proofHex.map(hex);
      const leaf = pick(KAT_LEAVES, index);
      const root = rootAt(size);
      const someHash = hex('abacaba000000000000000000000000000000000000000000060061e00123456');
      const probes: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        [index - 1, size, leaf, proof, root],
        [index + 1, size, leaf, proof, root],
        [index ^ 2, size, leaf, proof, root],
        [index, size * 2, leaf, proof, root],
        [index, Math.floor(size / 2), leaf, proof, root],
        [index, size, Buffer.from('WrongLeaf'), proof, root],
        [index, size, leafHash(Buffer.from('WrongLeaf')), proof, root],
        [index, size, leaf, proof, EMPTY_ROOT],
        [index, size, leaf, proof, someHash],
        [index, size, leaf, [...proof, Buffer.alloc(0)], root],
        [index, size, leaf, [...proof, root], root],
        [index, size, leaf, [Buffer.alloc(0), ...proof], root],
        [index, size, leaf, [root, ...proof], root],
        [index, size, leaf, proof.slice(0, -1), root],
        [index, size, leaf, [pick(proof, 0), someHash, ...proof.slice(1)], root],
        ...proof.map((_, i): [number, number, Uint8Array, Uint8Array[], Uint8Array] => [
          index,
          size,
          leaf,
          flipped(proof, i, 0, 8),
          root,
        ]),
      ];
      for (const [i, n, l, p, r] of probes) expect(verifyInclusion(i, n, l, p, r)).toBe(false);
    },
  );

  it.each(CONSISTENCY_VECTORS)('consistency proof from size $m to size $n', ({ m, n, proof }) => {
    expect(toHex(consistencyProof(m, KAT_LEAVES.slice(0, n)))).toEqual(proof);
    expect(verifyConsistency(m, n, rootAt(m), rootAt(n), proof.map(hex))).toBe(true);
  });

  it.each(CONSISTENCY_VECTORS.filter((v) => v.proof.length > 0))(
    'corrupted consistency probes from size $m to size $n are rejected',
    ({ m, n, proof: proofHex }) => {
      // Same probes as corruptConsistencyProof() in transparency-dev/merkle proof/verify_test.go.
      const proof = proofHex.map(hex);
      const r1 = rootAt(m);
      const r2 = rootAt(n);
      const wrong = Buffer.from('WrongRoot');
      const probes: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [m - 1, n, r1, r2, proof],
        [m + 1, n, r1, r2, proof],
        [m ^ 2, n, r1, r2, proof],
        [m, n * 2, r1, r2, proof],
        [m, Math.floor(n / 2), r1, r2, proof],
        [m, n, wrong, r2, proof],
        [m, n, r1, wrong, proof],
        [m, n, r2, r1, proof],
        [m, n, r1, r2, []],
        [m, n, r1, r2, [...proof, Buffer.alloc(0)]],
        [m, n, r1, r2, [...proof, r1]],
        [m, n, r1, r2, [...proof, r2]],
        [m, n, r1, r2, [Buffer.alloc(0), ...proof]],
        [m, n, r1, r2, [r1, ...proof]],
        [m, n, r1, r2, [r2, ...proof]],
        [m, n, r1, r2, [pick(proof, 0), ...proof]],
        [m, n, r1, r2, proof.slice(0, -1)],
        ...proof.map((_, i): [number, number, Uint8Array, Uint8Array, Uint8Array[]] => [
          m,
          n,
          r1,
          r2,
          flipped(proof, i, 0, 16),
        ]),
      ];
      for (const [a, b, x, y, p] of probes) expect(verifyConsistency(a, b, x, y, p)).toBe(false);
    },
  );
});

describe('merkle: hashing rules', () => {
  it('separates leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    const x = Buffer.from('audit entry');
    expect(leafHash(x).equals(sha256(Uint8Array.of(0x00), x))).toBe(true);
    expect(leafHash(x).equals(sha256(x))).toBe(false);
    expect(leafHash(new Uint8Array(0)).equals(sha256(Uint8Array.of(0x00)))).toBe(true);
    const l = leafHash(Buffer.from('l'));
    const r = leafHash(Buffer.from('r'));
    expect(nodeHash(l, r).equals(sha256(Uint8Array.of(0x01), l, r))).toBe(true);
    expect(nodeHash(l, r).equals(sha256(l, r))).toBe(false);
    expect(nodeHash(l, r).equals(nodeHash(r, l))).toBe(false);
    // A two-leaf root must not be acceptable as the leaf hash of the concatenated children.
    expect(rootOf([l, r]).equals(leafHash(Buffer.concat([l, r])))).toBe(false);
  });

  it('promotes an odd right node instead of duplicating it', () => {
    const [l0, l1, l2] = ['a', 'b', 'c'].map((s) => leafHash(Buffer.from(s))) as [Buffer, Buffer, Buffer];
    expect(rootOf([l0, l1, l2]).equals(nodeHash(nodeHash(l0, l1), l2))).toBe(true);
    expect(rootOf([l0, l1, l2]).equals(nodeHash(nodeHash(l0, l1), nodeHash(l2, l2)))).toBe(false);
    const acc = new MerkleAccumulator();
    [l0, l1, l2].forEach((h) => acc.append(h));
    expect(acc.root().equals(nodeHash(nodeHash(l0, l1), l2))).toBe(true);
  });

  it('returns copies, so mutating inputs or outputs cannot alter a tree', () => {
    const leaf = leafHash(Buffer.from('x'));
    const acc = new MerkleAccumulator();
    acc.append(leaf);
    const root = rootOf([leaf]);
    leaf[0] = (leaf[0] ?? 0) ^ 0xff;
    expect(acc.root().equals(root)).toBe(true);
    acc.root().fill(0);
    expect(acc.root().equals(root)).toBe(true);
    rootOf([]).fill(0);
    expect(EMPTY_ROOT.toString('hex')).toBe(EMPTY_ROOT_HEX);
  });
});

describe('merkle: properties', () => {
  const data = fc.uint8Array({ maxLength: 40 });
  /** Leaf hash lists that may contain duplicate leaves, as a real log can. */
  const leaves = (minLength: number) =>
    fc.array(data, { minLength, maxLength: 200 }).map((ds) => ds.map(leafHash));
  /** Leaf hash lists with pairwise distinct leaves, for tamper properties that need "different". */
  const distinctLeaves = (minLength: number) =>
    fc
      .uniqueArray(data, { minLength, maxLength: 200, selector: (d) => Buffer.from(d).toString('hex') })
      .map((ds) => ds.map(leafHash));
  /** A leaf list plus an index into it. */
  const withIndex = (arb: fc.Arbitrary<Buffer[]>) =>
    arb.chain((hs) => fc.tuple(fc.constant(hs), fc.nat({ max: hs.length - 1 })));
  /** A leaf list of size n plus an old size m in [lo, n - hi]. */
  const withOldSize = (arb: fc.Arbitrary<Buffer[]>, lo: number, hi: number) =>
    arb.chain((hs) => fc.tuple(fc.constant(hs), fc.integer({ min: lo, max: hs.length - hi })));

  it('every inclusion proof verifies', () => {
    fc.assert(
      fc.property(withIndex(leaves(1)), ([hs, i]) => {
        const proof = inclusionProof(i, hs);
        expect(verifyInclusion(i, hs.length, pick(hs, i), proof, rootOf(hs))).toBe(true);
      }),
    );
  });

  it('every consistency proof from any m <= n verifies', () => {
    fc.assert(
      fc.property(withOldSize(leaves(1), 0, 0), ([hs, m]) => {
        const proof = consistencyProof(m, hs);
        expect(verifyConsistency(m, hs.length, rootOf(hs.slice(0, m)), rootOf(hs), proof)).toBe(true);
      }),
    );
  });

  it('MerkleAccumulator.root() equals rootOf at every size', () => {
    fc.assert(
      fc.property(leaves(0), (hs) => {
        const acc = new MerkleAccumulator();
        expect(acc.root().equals(rootOf([]))).toBe(true);
        hs.forEach((h, i) => {
          acc.append(h);
          expect(acc.size).toBe(i + 1);
          expect(acc.root().equals(rootOf(hs.slice(0, i + 1)))).toBe(true);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('appendEntry(text) is append(leafHash(UTF-8 of text)), mixed freely with append, whatever the text', () => {
    // Entries of any size, including ones larger than the accumulator's reused input buffer.
    const entry = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ minLength: 4000, maxLength: 9000 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(entry, fc.boolean()), { maxLength: 70 }), (items) => {
        const byText = new MerkleAccumulator();
        const byHash = new MerkleAccumulator();
        const kept: Buffer[] = [];
        const expected: Buffer[] = [];
        for (const [text, asHash] of items) {
          const hash = leafHash(Buffer.from(text, 'utf8'));
          expected.push(hash);
          if (asHash) {
            byText.append(hash);
            kept.push(hash);
          } else byText.appendEntry(text, kept);
          byHash.append(hash);
          expect(byText.root().equals(byHash.root())).toBe(true);
        }
        expect(toHex(kept)).toEqual(toHex(expected));
        expect(toHex(byText.peaks())).toEqual(toHex(byHash.peaks()));
      }),
      { numRuns: 60 },
    );
  });

  it('an accumulator restored from its peaks continues exactly where it left off', () => {
    fc.assert(
      fc.property(
        leaves(0).chain((hs) => fc.tuple(fc.constant(hs), fc.nat({ max: hs.length }))),
        ([hs, k]) => {
          const first = new MerkleAccumulator();
          hs.slice(0, k).forEach((h) => first.append(h));
          const peaks = first.peaks();
          expect(peaks.length).toBe(k.toString(2).replaceAll('0', '').length);
          const resumed = MerkleAccumulator.restore(first.size, peaks);
          expect(resumed.size).toBe(k);
          expect(resumed.root().equals(rootOf(hs.slice(0, k)))).toBe(true);
          hs.slice(k).forEach((h) => resumed.append(h));
          expect(resumed.size).toBe(hs.length);
          expect(resumed.root().equals(rootOf(hs))).toBe(true);
        },
      ),
    );
  });

  it('flipping any byte of any inclusion proof element breaks verification', () => {
    const arb = withIndex(leaves(2)).chain(([hs, i]) => {
      const proof = inclusionProof(i, hs);
      return fc.record({
        hs: fc.constant(hs),
        i: fc.constant(i),
        proof: fc.constant(proof),
        element: fc.nat({ max: proof.length - 1 }),
        byte: fc.nat({ max: 31 }),
        mask: fc.integer({ min: 1, max: 255 }),
      });
    });
    fc.assert(
      fc.property(arb, ({ hs, i, proof, element, byte, mask }) => {
        const bad = flipped(proof, element, byte, mask);
        expect(verifyInclusion(i, hs.length, pick(hs, i), bad, rootOf(hs))).toBe(false);
      }),
    );
  });

  it('flipping any byte of any consistency proof element breaks verification', () => {
    const arb = withOldSize(leaves(2), 1, 1).chain(([hs, m]) => {
      const proof = consistencyProof(m, hs);
      return fc.record({
        hs: fc.constant(hs),
        m: fc.constant(m),
        proof: fc.constant(proof),
        element: fc.nat({ max: proof.length - 1 }),
        byte: fc.nat({ max: 31 }),
        mask: fc.integer({ min: 1, max: 255 }),
      });
    });
    fc.assert(
      fc.property(arb, ({ hs, m, proof, element, byte, mask }) => {
        const bad = flipped(proof, element, byte, mask);
        expect(verifyConsistency(m, hs.length, rootOf(hs.slice(0, m)), rootOf(hs), bad)).toBe(false);
      }),
    );
  });

  it('a proof with an element added or removed is rejected', () => {
    fc.assert(
      fc.property(withIndex(leaves(1)), fc.uint8Array({ minLength: 32, maxLength: 32 }), ([hs, i], extra) => {
        const n = hs.length;
        const root = rootOf(hs);
        const proof = inclusionProof(i, hs);
        expect(verifyInclusion(i, n, pick(hs, i), [...proof, extra], root)).toBe(false);
        // Too long is wrong even when the caller's root matches the longer hash chain.
        expect(verifyInclusion(i, n, pick(hs, i), [...proof, extra], nodeHash(extra, root))).toBe(false);
        expect(verifyInclusion(i, n, pick(hs, i), [extra, ...proof], root)).toBe(false);
        if (proof.length > 0) expect(verifyInclusion(i, n, pick(hs, i), proof.slice(1), root)).toBe(false);
        const m = i + 1;
        const cproof = consistencyProof(m, hs);
        const oldRoot = rootOf(hs.slice(0, m));
        expect(verifyConsistency(m, n, oldRoot, root, [...cproof, extra])).toBe(false);
        expect(
          verifyConsistency(m, n, nodeHash(extra, oldRoot), nodeHash(extra, root), [...cproof, extra]),
        ).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, root, [extra, ...cproof])).toBe(false);
        if (cproof.length > 0) expect(verifyConsistency(m, n, oldRoot, root, cproof.slice(0, -1))).toBe(false);
      }),
    );
  });

  it('changing a leaf changes the root and breaks inclusion of the old and new values', () => {
    const arb = distinctLeaves(1).chain((hs) =>
      fc.tuple(fc.constant(hs), fc.nat({ max: hs.length - 1 }), fc.nat({ max: hs.length - 1 })),
    );
    fc.assert(
      fc.property(arb, ([hs, i, j]) => {
        const n = hs.length;
        const changed = hs.slice();
        changed[j] = leafHash(Buffer.concat([Buffer.from('changed:'), pick(hs, j)]));
        const root = rootOf(hs);
        const changedRoot = rootOf(changed);
        expect(changedRoot.equals(root)).toBe(false);
        // The forged leaf with the genuine path does not reach the genuine root...
        expect(verifyInclusion(j, n, pick(changed, j), inclusionProof(j, hs), root)).toBe(false);
        // ...and no genuine proof from the old tree verifies against the rewritten one.
        expect(verifyInclusion(i, n, pick(hs, i), inclusionProof(i, hs), changedRoot)).toBe(false);
      }),
    );
  });

  it('swapping two distinct leaves changes the root and breaks inclusion at the old positions', () => {
    const arb = distinctLeaves(2).chain((hs) =>
      fc
        .tuple(fc.nat({ max: hs.length - 1 }), fc.nat({ max: hs.length - 1 }))
        .filter(([i, j]) => i !== j)
        .map(([i, j]) => [hs, i, j] as const),
    );
    fc.assert(
      fc.property(arb, ([hs, i, j]) => {
        const swapped = hs.slice();
        swapped[i] = pick(hs, j);
        swapped[j] = pick(hs, i);
        const swappedRoot = rootOf(swapped);
        expect(swappedRoot.equals(rootOf(hs))).toBe(false);
        expect(verifyInclusion(i, hs.length, pick(hs, i), inclusionProof(i, swapped), swappedRoot)).toBe(false);
        expect(verifyInclusion(i, hs.length, pick(hs, i), inclusionProof(i, hs), swappedRoot)).toBe(false);
      }),
    );
  });

  it('dropping or truncating leaves changes the root and breaks inclusion against it', () => {
    const arb = distinctLeaves(2).chain((hs) =>
      fc.tuple(
        fc.constant(hs),
        fc.nat({ max: hs.length - 1 }), // leaf to drop
        fc.integer({ min: 0, max: hs.length - 1 }), // truncated length
        fc.nat({ max: hs.length - 1 }), // leaf whose proof is replayed
      ),
    );
    fc.assert(
      fc.property(arb, ([hs, drop, keep, i]) => {
        const n = hs.length;
        const root = rootOf(hs);
        const proof = inclusionProof(i, hs);
        for (const shorter of [[...hs.slice(0, drop), ...hs.slice(drop + 1)], hs.slice(0, keep)]) {
          const shortRoot = rootOf(shorter);
          expect(shortRoot.equals(root)).toBe(false);
          const acc = new MerkleAccumulator();
          shorter.forEach((h) => acc.append(h));
          expect(acc.root().equals(root)).toBe(false);
          expect(verifyInclusion(i, shorter.length, pick(hs, i), proof, shortRoot)).toBe(false);
          expect(verifyInclusion(i, n, pick(hs, i), proof, shortRoot)).toBe(false);
        }
      }),
    );
  });

  it('a consistency proof does not verify against a rewritten old tree', () => {
    const arb = withOldSize(distinctLeaves(1), 1, 0).chain(([hs, m]) =>
      fc.tuple(fc.constant(hs), fc.constant(m), fc.nat({ max: m - 1 })),
    );
    fc.assert(
      fc.property(arb, ([hs, m, j]) => {
        const n = hs.length;
        const rewritten = hs.slice();
        rewritten[j] = leafHash(Buffer.concat([Buffer.from('rewritten:'), pick(hs, j)]));
        const forgedOldRoot = rootOf(rewritten.slice(0, m));
        // Honest log, forged old checkpoint.
        expect(verifyConsistency(m, n, forgedOldRoot, rootOf(hs), consistencyProof(m, hs))).toBe(false);
        // Genuine old checkpoint, log rewritten afterwards.
        expect(verifyConsistency(m, n, rootOf(hs.slice(0, m)), rootOf(rewritten), consistencyProof(m, rewritten))).toBe(
          false,
        );
      }),
    );
  });
});

describe('merkle: large trees', () => {
  it('handles 100,000 leaves: accumulator checkpoints, proofs, no stack overflow', () => {
    const n = 100_000;
    const hs = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry-${i}`)));
    const checkpoints = new Set([1, 2, 3, 1000, 65_535, 65_536, 65_537, 99_999, n]);
    const acc = new MerkleAccumulator();
    const seen = new Map<number, Buffer>();
    for (const h of hs) {
      acc.append(h);
      if (checkpoints.has(acc.size)) seen.set(acc.size, acc.root());
    }
    const root = rootOf(hs);
    expect(acc.root().equals(root)).toBe(true);
    for (const size of [1000, 65_536, 65_537, 99_999]) {
      const old = seen.get(size);
      if (old === undefined) throw new Error(`missing checkpoint ${size}`);
      expect(old.equals(rootOf(hs.slice(0, size)))).toBe(true);
      expect(verifyConsistency(size, n, old, root, consistencyProof(size, hs))).toBe(true);
    }
    for (const i of [0, 1, 65_535, 65_536, n - 1]) {
      const proof = inclusionProof(i, hs);
      expect(proof.length).toBeLessThanOrEqual(17);
      expect(verifyInclusion(i, n, pick(hs, i), proof, root)).toBe(true);
    }
  });
});

describe('merkle: argument errors and malformed input', () => {
  const hs = KAT_LEAVES;
  const n = hs.length;

  it('inclusionProof throws for an index outside [0, n)', () => {
    expect(() => inclusionProof(n, hs)).toThrow(/out of range/);
    expect(() => inclusionProof(n + 5, hs)).toThrow(Error);
    expect(() => inclusionProof(-1, hs)).toThrow(Error);
    expect(() => inclusionProof(1.5, hs)).toThrow(Error);
    expect(() => inclusionProof(0, [])).toThrow(Error);
  });

  it('consistencyProof throws when m > n or m is not a size', () => {
    expect(() => consistencyProof(n + 1, hs)).toThrow(/old tree size/);
    expect(() => consistencyProof(1, [])).toThrow(Error);
    expect(() => consistencyProof(-1, hs)).toThrow(Error);
    expect(() => consistencyProof(Number.NaN, hs)).toThrow(Error);
    expect(consistencyProof(0, hs)).toEqual([]);
    expect(consistencyProof(n, hs)).toEqual([]);
    expect(consistencyProof(0, [])).toEqual([]);
  });

  it('tree builders reject leaf hashes that are not 32 bytes', () => {
    const bad = [...hs.slice(0, 3), Buffer.alloc(31)];
    expect(() => rootOf(bad)).toThrow(/32-byte/);
    expect(() => inclusionProof(0, bad)).toThrow(/32-byte/);
    expect(() => consistencyProof(1, bad)).toThrow(/32-byte/);
    expect(() => new MerkleAccumulator().append(Buffer.alloc(33))).toThrow(/32-byte/);
  });

  it('MerkleAccumulator.restore rejects a frontier that cannot belong to the size', () => {
    const acc = new MerkleAccumulator();
    hs.slice(0, 7).forEach((h) => acc.append(h));
    const peaks = acc.peaks();
    expect(peaks).toHaveLength(3);
    expect(MerkleAccumulator.restore(7, peaks).root().equals(rootAt(7))).toBe(true);
    expect(() => MerkleAccumulator.restore(8, peaks)).toThrow(/peaks/);
    expect(() => MerkleAccumulator.restore(7, peaks.slice(1))).toThrow(/peaks/);
    expect(() => MerkleAccumulator.restore(7, [...peaks.slice(0, 2), Buffer.alloc(31)])).toThrow(/32-byte/);
    expect(() => MerkleAccumulator.restore(-1, [])).toThrow(Error);
    expect(() => MerkleAccumulator.restore(2.5, [])).toThrow(Error);
    expect(MerkleAccumulator.restore(0, []).root().equals(EMPTY_ROOT)).toBe(true);
    // The frontier handed out is a copy.
    peaks.forEach((p) => p.fill(0));
    expect(acc.root().equals(rootAt(7))).toBe(true);
  });

  it('verifyConsistency returns false when oldSize > newSize or sizes are not sizes', () => {
    expect(verifyConsistency(2, 1, rootAt(2), rootAt(1), [])).toBe(false);
    expect(verifyConsistency(8, 5, rootAt(8), rootAt(5), consistencyProof(5, hs))).toBe(false);
    expect(verifyConsistency(-1, 5, rootAt(0), rootAt(5), [])).toBe(false);
    expect(verifyConsistency(1.5, 5, rootAt(1), rootAt(5), [])).toBe(false);
    expect(verifyConsistency(1, Number.POSITIVE_INFINITY, rootAt(1), rootAt(5), [])).toBe(false);
  });

  it('verifyConsistency edge cases: equal sizes, empty old tree, empty proof', () => {
    // Equal sizes: empty proof and equal roots, nothing else.
    expect(verifyConsistency(5, 5, rootAt(5), rootAt(5), [])).toBe(true);
    expect(verifyConsistency(5, 5, rootAt(5), rootAt(4), [])).toBe(false);
    expect(verifyConsistency(5, 5, rootAt(5), rootAt(5), [rootAt(5)])).toBe(false);
    // The empty tree is a prefix of every tree, proven by an empty proof only.
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(true);
    expect(verifyConsistency(0, 8, EMPTY_ROOT, rootAt(8), [])).toBe(true);
    expect(verifyConsistency(0, 8, EMPTY_ROOT, rootAt(8), [EMPTY_ROOT])).toBe(false);
    // ...but a size-0 checkpoint carrying a non-empty root is not the empty tree.
    expect(verifyConsistency(0, 8, rootAt(1), rootAt(8), [])).toBe(false);
    // 0 < m < n always needs a proof.
    expect(verifyConsistency(1, 2, rootAt(1), rootAt(2), [])).toBe(false);
    // A power-of-two old size: the old root is implied, not sent.
    expect(verifyConsistency(4, 8, rootAt(4), rootAt(8), consistencyProof(4, hs))).toBe(true);
    expect(consistencyProof(4, hs)).toHaveLength(1);
  });

  it('verifiers return false instead of throwing on malformed hashes', () => {
    const proof = inclusionProof(5, hs);
    const leaf = pick(hs, 5);
    expect(verifyInclusion(5, n, leaf, proof, rootAt(n))).toBe(true);
    expect(verifyInclusion(5, n, leaf.subarray(0, 31), proof, rootAt(n))).toBe(false);
    expect(verifyInclusion(5, n, leaf, proof, rootAt(n).subarray(0, 16))).toBe(false);
    expect(verifyInclusion(5, n, leaf, [...proof.slice(0, 2), Buffer.alloc(64)], rootAt(n))).toBe(false);
    expect(verifyInclusion(n, n, leaf, proof, rootAt(n))).toBe(false);
    expect(verifyInclusion(0, 0, leaf, [], EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(-1, n, leaf, proof, rootAt(n))).toBe(false);
    expect(verifyInclusion(Number.NaN, n, leaf, proof, rootAt(n))).toBe(false);
    const cproof = consistencyProof(3, hs);
    expect(verifyConsistency(3, n, rootAt(3), rootAt(n), cproof)).toBe(true);
    expect(verifyConsistency(3, n, rootAt(3).subarray(1), rootAt(n), cproof)).toBe(false);
    expect(verifyConsistency(3, n, rootAt(3), Buffer.alloc(0), cproof)).toBe(false);
    expect(verifyConsistency(3, n, rootAt(3), rootAt(n), [...cproof.slice(0, -1), Buffer.alloc(33)])).toBe(false);
  });
});
