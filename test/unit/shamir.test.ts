import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineShares, decodeShare, encodeShare, gfMul, splitSecret, type Share } from '../../src/crypto/shamir.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const checksum = (body: string): string => createHash('sha256').update(body).digest('hex').slice(0, 8);
/** Build a share line with a correct checksum, to reach the checks that run after the checksum. */
const withChecksum = (body: string): string => `${body}:${checksum(body)}`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Independent reference: log/exp tables over the generator 0x03, built with plain shift/xor. */
const { refExp, refLog } = (() => {
  const exp: number[] = [];
  const log: number[] = new Array<number>(256).fill(-1);
  let v = 1;
  for (let i = 0; i < 255; i++) {
    exp.push(v);
    log[v] = i;
    const doubled = (v << 1) ^ (v & 0x80 ? 0x11b : 0);
    v = doubled ^ v; // v * 3
  }
  return { refExp: exp, refLog: log };
})();
const refMul = (a: number, b: number): number =>
  a === 0 || b === 0 ? 0 : refExp[((refLog[a] ?? 0) + (refLog[b] ?? 0)) % 255] ?? -1;

describe('GF(2^8) arithmetic (AES field, 0x11B)', () => {
  it('matches the FIPS-197 section 4.2 known answers', () => {
    expect(gfMul(0x57, 0x83)).toBe(0xc1);
    expect(gfMul(0x57, 0x13)).toBe(0xfe); // FIPS-197 4.2.1
    expect(gfMul(0x57, 0x02)).toBe(0xae); // xtime chain from 4.2.1
    expect(gfMul(0xae, 0x02)).toBe(0x47);
    expect(gfMul(0x47, 0x02)).toBe(0x8e);
    expect(gfMul(0x8e, 0x02)).toBe(0x07);
  });

  it('knows 0x53 and 0xCA are inverses, and reduces by 0x11B on overflow', () => {
    expect(gfMul(0x53, 0xca)).toBe(0x01);
    expect(gfMul(0xca, 0x53)).toBe(0x01);
    expect(gfMul(0x80, 0x02)).toBe(0x1b);
    expect(gfMul(0x03, 0xf6)).toBe(0x01);
  });

  it('has 0 as absorbing and 1 as identity element', () => {
    for (let a = 0; a < 256; a++) {
      expect(gfMul(a, 0)).toBe(0);
      expect(gfMul(0, a)).toBe(0);
      expect(gfMul(a, 1)).toBe(a);
    }
  });

  it('agrees with an independent log/exp-table multiply on all 65536 pairs', () => {
    expect(new Set(refExp).size).toBe(255); // 0x03 generates the multiplicative group
    let mismatches = 0;
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) if (gfMul(a, b) !== refMul(a, b)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('is associative and distributes over xor', () => {
    const byte = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(byte, byte, byte, (a, b, c) => {
        expect(gfMul(gfMul(a, b), c)).toBe(gfMul(a, gfMul(b, c)));
        expect(gfMul(a, b ^ c)).toBe(gfMul(a, b) ^ gfMul(a, c));
      }),
    );
  });
});

describe('hand-checkable example', () => {
  // Secret 0x2A, threshold 2, coefficient 0x07: y(x) = 0x2A ^ 0x07*x.
  //   y(1) = 0x2A ^ 0x07 = 0x2D
  //   y(2) = 0x2A ^ 0x0E = 0x24
  //   y(3) = 0x2A ^ 0x09 = 0x23   (0x07*3 = 0x0E ^ 0x07)
  // From x=1,2: (2*0x2D ^ 1*0x24) / (1^2) = (0x5A ^ 0x24) / 3 = 0x7E / 3 = 0x2A, since 0x2A*3 = 0x54 ^ 0x2A = 0x7E.
  const id = '0123456789abcdef';
  const share = (x: number, y: number): Share => ({ x, threshold: 2, id, y: bytes(y) });

  it('the paper values follow from gfMul', () => {
    expect(0x2a ^ gfMul(0x07, 1)).toBe(0x2d);
    expect(0x2a ^ gfMul(0x07, 2)).toBe(0x24);
    expect(0x2a ^ gfMul(0x07, 3)).toBe(0x23);
  });

  it('recovers 0x2A from every pair, in either order', () => {
    const all = [share(1, 0x2d), share(2, 0x24), share(3, 0x23)];
    for (const [i, j] of [[0, 1], [1, 0], [0, 2], [2, 1]] as const) {
      expect(combineShares([all[i]!, all[j]!])).toEqual(bytes(0x2a));
    }
    expect(combineShares(all)).toEqual(bytes(0x2a));
  });

  it('recovers a two-byte, threshold-3 secret', () => {
    // byte 0: 0x01 + 0x01*x + 0x01*x^2 ; byte 1: 0xFF + 0x00*x + 0x02*x^2
    const poly = (c0: number, c1: number, c2: number, x: number): number => c0 ^ gfMul(c1, x) ^ gfMul(c2, gfMul(x, x));
    // At x=1 the terms just xor: 1^1^1 = 0x01 and 0xFF^0^2 = 0xFD.
    expect(poly(0x01, 0x01, 0x01, 1)).toBe(0x01);
    expect(poly(0xff, 0x00, 0x02, 1)).toBe(0xfd);
    const shares = [2, 5, 9].map((x) => ({ x, threshold: 3, id, y: bytes(poly(0x01, 0x01, 0x01, x), poly(0xff, 0x00, 0x02, x)) }));
    expect(combineShares(shares)).toEqual(bytes(0x01, 0xff));
  });
});

/** n in 2..10, k in 2..n, a secret, and a random k-subset of the share indices in random order. */
const splitCase = (minLength = 1, minK = 2) =>
  fc
    .integer({ min: Math.max(2, minK), max: 10 })
    .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: minK, max: n }), fc.uint8Array({ minLength, maxLength: 64 })))
    .chain(([n, k, secret]) =>
      fc.tuple(fc.constant({ n, k, secret }), fc.shuffledSubarray(range(n), { minLength: k, maxLength: k })),
    )
    .map(([params, subset]) => ({ ...params, subset }));

describe('splitSecret / combineShares properties', () => {
  it('any k shares, in any order, recover the secret', () => {
    fc.assert(
      fc.property(splitCase(), ({ n, k, secret, subset }) => {
        const shares = splitSecret(secret, n, k);
        expect(shares).toHaveLength(n);
        expect(shares.map((s) => s.x)).toEqual(range(n).map((i) => i + 1));
        expect(new Set(shares.map((s) => s.id)).size).toBe(1);
        expect(shares.every((s) => s.threshold === k && s.y.length === secret.length)).toBe(true);
        expect(combineShares(subset.map((i) => shares[i]!))).toEqual(secret);
      }),
    );
  });

  it('more than k shares also recover the secret', () => {
    fc.assert(
      fc.property(splitCase(), ({ n, k, secret }) => {
        expect(combineShares(splitSecret(secret, n, k))).toEqual(secret);
      }),
    );
  });

  it('encodeShare / decodeShare round-trip', () => {
    fc.assert(
      fc.property(splitCase(), ({ n, k, secret, subset }) => {
        const shares = splitSecret(secret, n, k);
        for (const share of shares) {
          const line = encodeShare(share);
          expect(line).toMatch(/^gmv-share-1:[0-9a-f]{16}:\d+:\d+:[A-Za-z0-9_-]+:[0-9a-f]{8}$/);
          expect(decodeShare(line)).toEqual(share);
        }
        const decoded = subset.map((i) => decodeShare(`  ${encodeShare(shares[i]!)}\r\n`));
        expect(combineShares(decoded)).toEqual(secret);
      }),
    );
  });

  it('k-1 shares are refused', () => {
    fc.assert(
      fc.property(splitCase(), ({ n, k, secret, subset }) => {
        const shares = splitSecret(secret, n, k);
        const tooFew = subset.slice(0, k - 1).map((i) => shares[i]!);
        expect(() => combineShares(tooFew)).toThrow(tooFew.length === 0 ? /no shares/ : /need at least/);
      }),
    );
  });

  it('k-1 shares with a forged, lowered threshold do not yield the secret', () => {
    // The k-1 points determine the degree k-2 interpolant Q, and P(0) - Q(0) = c_{k-1} * prod(x_i),
    // so each byte only comes out right when its top coefficient happens to be 0 (1/256);
    // with >= 16 bytes a full match has probability 2^-128.
    fc.assert(
      fc.property(splitCase(16, 3), ({ n, k, secret, subset }) => {
        const shares = splitSecret(secret, n, k);
        const forged = subset.slice(0, k - 1).map((i) => ({ ...shares[i]!, threshold: k - 1 }));
        const result = combineShares(forged);
        expect(result).toHaveLength(secret.length);
        expect(Buffer.from(result).equals(Buffer.from(secret))).toBe(false);
      }),
    );
  });

  it('a single share with a forged threshold of 1 is refused', () => {
    const [share] = splitSecret(bytes(1, 2, 3), 3, 2);
    expect(() => combineShares([{ ...share!, threshold: 1 }])).toThrow(/threshold/);
  });

  it('mixing shares from two splits throws', () => {
    fc.assert(
      fc.property(splitCase(), fc.boolean(), ({ n, k, secret, subset }, sameSecret) => {
        const a = splitSecret(secret, n, k);
        const b = splitSecret(sameSecret ? secret : secret.map((v) => v ^ 0x5a), n, k);
        // k-1 shares of one split plus one share of the other, with distinct x-coordinates.
        const [last, ...rest] = subset;
        const mixed = [...rest.map((i) => a[i]!), b[last!]!];
        expect(() => combineShares(mixed)).toThrow(/different splits/);
        expect(() => combineShares([...mixed].reverse())).toThrow(/different splits/);
      }),
    );
  });

  it('changing any one character of an encoded share makes decodeShare throw', () => {
    const alphabet = [...'0123456789abcdefxyzAFZ_-:+/= \n.'];
    fc.assert(
      fc.property(
        splitCase(),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: alphabet.length - 1 }),
        ({ n, k, secret }, which, position, pick) => {
          const share = splitSecret(secret, n, k)[which % n]!;
          const line = encodeShare(share);
          const at = position % line.length;
          const original = line[at]!;
          const replacement = alphabet[pick] === original ? alphabet[(pick + 1) % alphabet.length]! : alphabet[pick]!;
          const altered = line.slice(0, at) + replacement + line.slice(at + 1);
          expect(() => decodeShare(altered)).toThrow(Error);
        },
      ),
    );
  });
});

describe('argument errors', () => {
  const secret = bytes(1, 2, 3);

  it('splitSecret rejects bad counts and an empty secret', () => {
    expect(() => splitSecret(secret, 3, 1)).toThrow(/threshold must be an integer of at least 2/);
    expect(() => splitSecret(secret, 3, 0)).toThrow(/threshold/);
    expect(() => splitSecret(secret, 3, 4)).toThrow(/no smaller than threshold/);
    expect(() => splitSecret(secret, 256, 3)).toThrow(/at most 255/);
    expect(() => splitSecret(secret, 3, 2.5)).toThrow(/threshold/);
    expect(() => splitSecret(secret, Number.NaN, 2)).toThrow(/shares/);
    expect(() => splitSecret(new Uint8Array(0), 3, 2)).toThrow(/secret must not be empty/);
  });

  it('splitSecret accepts the extremes 2-of-2 and 255-of-255', () => {
    expect(combineShares(splitSecret(secret, 2, 2))).toEqual(secret);
    const many = splitSecret(secret, 255, 255);
    expect(many.at(-1)!.x).toBe(255);
    expect(combineShares([...many].reverse())).toEqual(secret);
  });

  it('splitSecret does not modify the secret and draws fresh randomness per split', () => {
    const s = bytes(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9);
    const a = splitSecret(s, 3, 2);
    const b = splitSecret(s, 3, 2);
    expect(s).toEqual(bytes(...new Array<number>(16).fill(9)));
    expect(a[0]!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(a[0]!.id).not.toBe(b[0]!.id);
    expect(Buffer.from(a[0]!.y).equals(Buffer.from(b[0]!.y))).toBe(false);
  });

  it('combineShares rejects malformed share sets', () => {
    const shares = splitSecret(secret, 4, 3);
    const [s1, s2, s3] = shares as [Share, Share, Share, Share];
    expect(() => combineShares([])).toThrow(/no shares/);
    expect(() => combineShares([s1, s2])).toThrow(/need at least 3 shares/);
    expect(() => combineShares([s1, s2, { ...s2 }])).toThrow(/duplicate share x-coordinate 2/);
    expect(() => combineShares([s1, s2, { ...s3, x: 0 }])).toThrow(/x-coordinate/);
    expect(() => combineShares([s1, s2, { ...s3, x: 256 }])).toThrow(/x-coordinate/);
    expect(() => combineShares([s1, s2, { ...s3, x: 1.5 }])).toThrow(/x-coordinate/);
    expect(() => combineShares([s1, s2, { ...s3, threshold: 2 }])).toThrow(/threshold/);
    expect(() => combineShares([s1, s2, { ...s3, y: s3.y.subarray(1) }])).toThrow(/length/);
    expect(() => combineShares([s1, s2, { ...s3, id: 'ffffffffffffffff' }])).toThrow(/different splits/);
    expect(combineShares([s3, s1, s2])).toEqual(secret);
  });
});

describe('share text encoding', () => {
  const share: Share = { x: 3, threshold: 2, id: '0123456789abcdef', y: bytes(0xfb, 0xff, 0x00) };
  const body = 'gmv-share-1:0123456789abcdef:2:3:-_8A';

  it('has the documented exact form', () => {
    expect(encodeShare(share)).toBe(`${body}:${checksum(body)}`);
    expect(decodeShare(`\t${body}:${checksum(body)}\n`)).toEqual(share);
  });

  it('reports what is wrong without echoing the share data', () => {
    const bad = (text: string, message: RegExp): void => {
      let error: unknown;
      try {
        decodeShare(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('-_8A');
    };
    bad('', /not a gmv share/);
    bad('hello', /not a gmv share/);
    bad(withChecksum('gmv-share-2:0123456789abcdef:2:3:-_8A'), /unsupported share format/);
    bad(`${body}`, /expected 6 ":"-separated fields, found 5/);
    bad(`${body}:${checksum(body)}:extra`, /found 7/);
    bad(withChecksum('gmv-share-1:0123456789ABCDEF:2:3:-_8A'), /split id/);
    bad(withChecksum('gmv-share-1:0123456789abcde:2:3:-_8A'), /split id/);
    bad(withChecksum('gmv-share-1:0123456789abcdef:02:3:-_8A'), /threshold must be a decimal/);
    bad(withChecksum('gmv-share-1:0123456789abcdef:2:0:-_8A'), /x-coordinate must be a decimal/);
    bad(withChecksum('gmv-share-1:0123456789abcdef:2:3:+/8A'), /unpadded base64url/);
    bad(withChecksum('gmv-share-1:0123456789abcdef:2:3:-_8A='), /unpadded base64url/);
    bad(withChecksum('gmv-share-1:0123456789abcdef:2:3:'), /unpadded base64url/);
    bad(`${body}:${checksum(body).toUpperCase()}`, /checksum must be 8 lowercase hex/);
    bad(`${body}:00000000`, /checksum does not match/);
    bad(`${body.replace(':3:', ':4:')}:${checksum(body)}`, /checksum does not match/);
    bad(`${body} :${checksum(body)}`, /unpadded base64url/);
    bad(`${body}\n:${checksum(body)}`, /unpadded base64url/);
    // Well-formed and correctly checksummed, but not something encodeShare would produce.
    bad(withChecksum('gmv-share-1:0123456789abcdef:1:3:-_8A'), /threshold must be in 2..255/);
    bad(withChecksum('gmv-share-1:0123456789abcdef:256:3:-_8A'), /threshold must be in 2..255/);
    bad(withChecksum('gmv-share-1:0123456789abcdef:2:256:-_8A'), /x-coordinate must be in 1..255/);
    // 'AB' decodes to the single byte 0x00 like 'AA', but with non-zero unused trailing bits.
    bad(withChecksum('gmv-share-1:0123456789abcdef:2:3:AB'), /not canonical/);
  });

  it('encodeShare refuses shares that could not be decoded', () => {
    expect(() => encodeShare({ ...share, id: 'not-hex' })).toThrow(/id/);
    expect(() => encodeShare({ ...share, x: 0 })).toThrow(/x-coordinate/);
    expect(() => encodeShare({ ...share, threshold: 1 })).toThrow(/threshold/);
    expect(() => encodeShare({ ...share, y: new Uint8Array(0) })).toThrow(/no data/);
  });

  it('encodes a y that is a view into a larger buffer correctly', () => {
    const backing = bytes(0xaa, 0xfb, 0xff, 0x00, 0xbb);
    expect(encodeShare({ ...share, y: backing.subarray(1, 4) })).toBe(encodeShare(share));
  });
});

describe('share refusals', () => {
  it('name their reason as a catalogue key, in English and Chinese', async () => {
    const { ShareError } = await import('../../src/crypto/shamir.js');
    const { render } = await import('../../src/i18n/catalogue.js');
    let error: unknown;
    try {
      decodeShare('gmv-share-1:0123456789abcdef:2:1:AAAA:00000000');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShareError);
    const refused = error as InstanceType<typeof ShareError>;
    expect(refused.message).toBe('share checksum does not match: the share was mistyped or altered');
    expect(render(refused.detail, refused.params, 'zh-CN')).toBe('分片校验和不符：分片被输错或被改动');
  });
});
