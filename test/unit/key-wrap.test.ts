/**
 * gmv key wraps (X25519 + HKDF + AES-GCM against an OpenPGP Curve25519 subkey): what is wrapped for
 * a key opens with that key and no other, any changed byte fails as an integrity error, wraps of one
 * batch are each their own, and OpenPGP messages (what older vaults hold) still open.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PrivateKey, PublicKey } from 'openpgp';
import { decryptWith, encryptTo, generateKey, readPrivate, readPublic, wrapDataKey } from '../../src/crypto/pgp.js';
import { isKeyWrap } from '../../src/crypto/key-wrap.js';
import { EnvelopeError } from '../../src/crypto/envelope.js';

describe('gmv key wraps', () => {
  let alice: { pub: PublicKey; priv: PrivateKey };
  let bob: { pub: PublicKey; priv: PrivateKey };
  beforeAll(async () => {
    const pair = async (name: string) => {
      const k = await generateKey(name, 'test');
      return { pub: await readPublic(k.publicArmored), priv: await readPrivate(k.privateArmored) };
    };
    alice = await pair('alice');
    bob = await pair('bob');
  });

  it('round-trips any payload for its recipient, and is no OpenPGP message', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), async (data) => {
      const wrapped = await wrapDataKey(data, alice.pub);
      expect(isKeyWrap(wrapped)).toBe(true);
      expect(Buffer.from(await decryptWith(wrapped, alice.priv)).equals(Buffer.from(data))).toBe(true);
    }), { numRuns: 60 });
  });

  it('another key opens nothing, and says it is an integrity failure', async () => {
    const wrapped = await wrapDataKey(Buffer.alloc(32, 9), alice.pub);
    await expect(decryptWith(wrapped, bob.priv)).rejects.toBeInstanceOf(EnvelopeError);
  });

  it('a change to any byte, or a cut, fails', async () => {
    const wrapped = Buffer.from(await wrapDataKey(Buffer.alloc(48, 3), alice.pub));
    await fc.assert(fc.asyncProperty(fc.nat({ max: wrapped.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
      const bad = Buffer.from(wrapped);
      bad[at] = bad[at]! ^ flip;
      await expect(decryptWith(bad, alice.priv)).rejects.toThrow();
    }), { numRuns: 120 });
    await expect(decryptWith(wrapped.subarray(0, wrapped.length - 1), alice.priv)).rejects.toThrow();
  });

  it('wraps made in one batch share an ephemeral key but not an IV, and each opens alone', async () => {
    const a = Buffer.from(await wrapDataKey(Buffer.alloc(32, 1), alice.pub));
    const b = Buffer.from(await wrapDataKey(Buffer.alloc(32, 1), alice.pub));
    expect(a.subarray(5, 37).equals(b.subarray(5, 37))).toBe(true);
    expect(a.subarray(37, 49).equals(b.subarray(37, 49))).toBe(false);
    expect(a.equals(b)).toBe(false);
    // Bob's wraps use his own ephemeral: nothing of Alice's batch is reused for him.
    const c = Buffer.from(await wrapDataKey(Buffer.alloc(32, 1), bob.pub));
    expect(c.subarray(5, 37).equals(a.subarray(5, 37))).toBe(false);
    expect(Buffer.from(await decryptWith(b, alice.priv)).equals(Buffer.alloc(32, 1))).toBe(true);
    expect(Buffer.from(await decryptWith(c, bob.priv)).equals(Buffer.alloc(32, 1))).toBe(true);
  });

  it('OpenPGP messages written before still open', async () => {
    const old = await encryptTo(Buffer.alloc(32, 5), [alice.pub]);
    expect(isKeyWrap(old)).toBe(false);
    expect(Buffer.from(await decryptWith(old, alice.priv)).equals(Buffer.alloc(32, 5))).toBe(true);
  });
});
