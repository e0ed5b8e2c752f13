import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { seal, open, EnvelopeError } from '../../src/crypto/envelope.js';
import { deriveKey, newKdfParams, bindToDevice, MIN_KDF } from '../../src/crypto/kdf.js';
import { generateKey, readPrivate, readPublic, signDetached, verifyDetached, encryptTo, decryptWith } from '../../src/crypto/pgp.js';
import { Secret } from '../../src/crypto/secret.js';

describe('AES-256-GCM envelopes', () => {
  const key = randomBytes(32);
  it('opens with the right key and refuses any change, including to the authenticated header', () => {
    const env = seal(key, Buffer.from('private key bytes'), { purpose: 'test', kdf: { m: 65536 } });
    expect(open(key, env).toString()).toBe('private key bytes');
    expect(() => open(randomBytes(32), env)).toThrow(EnvelopeError);
    expect(() => open(key, { ...env, header: { purpose: 'test', kdf: { m: 8 } } })).toThrow(EnvelopeError);
    const ct = Buffer.from(env.ct, 'base64');
    ct[0]! ^= 1;
    expect(() => open(key, { ...env, ct: ct.toString('base64') })).toThrow(EnvelopeError);
  });
});

describe('argon2id key derivation', () => {
  it('is deterministic for the same salt, differs per salt, and refuses weakened parameters', async () => {
    const params = newKdfParams(MIN_KDF);
    const pass = Secret.fromString('correct horse battery staple');
    const a = await deriveKey(pass, params);
    expect(a).toHaveLength(32);
    expect(await deriveKey(pass, params)).toEqual(a);
    expect(await deriveKey(pass, newKdfParams(MIN_KDF))).not.toEqual(a);
    await expect(deriveKey(pass, { ...params, m: 1024 })).rejects.toThrow(/minimum/);
    await expect(deriveKey(pass, { ...params, t: 1 })).rejects.toThrow(/minimum/);
  });

  it('binds to the device secret: the same passphrase on another device gives another key', () => {
    const passKey = randomBytes(32);
    expect(bindToDevice(passKey, randomBytes(32), 'x')).not.toEqual(bindToDevice(passKey, randomBytes(32), 'x'));
  });
});

describe('OpenPGP', () => {
  it('makes v4 Curve25519 keys, signs binary data detached and encrypts data keys', async () => {
    const k = await generateKey('测试', 'gmv test');
    expect(k.fingerprint).toMatch(/^[0-9A-F]{40}$/); // v4: 20-byte fingerprints (v6 would be 32)
    const priv = await readPrivate(k.privateArmored);
    const pub = await readPublic(k.publicArmored);
    const data = Buffer.from('line one\nline two\n');
    const sig = await signDetached(data, priv);
    expect(await verifyDetached(data, sig, pub)).toBe(true);
    expect(await verifyDetached(Buffer.from('line one\r\nline two\r\n'), sig, pub)).toBe(false);
    const other = await readPublic((await generateKey('x', 'y')).publicArmored);
    expect(await verifyDetached(data, sig, other)).toBe(false);
    const dataKey = randomBytes(32);
    expect(Buffer.from(await decryptWith(await encryptTo(dataKey, [pub]), priv))).toEqual(dataKey);
  });
});
