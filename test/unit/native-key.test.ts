/**
 * gmv's own keys read with node:crypto (no openpgp.js): a public key's encryption subkey only when
 * its binding signature verifies and nothing revokes or expires it, a secret key only when its
 * checksums and public halves hold, and signatures made here that openpgp.js and GnuPG accept.
 * Anything else is left to openpgp.js (null), never read differently from it.
 */
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decryptWith, encryptable, generateKey, openpgp, openSecretKey, readPrivate, readPublic, readRecipient, recipientFingerprint, verifyDetached, wrapDataKey, type GeneratedKey } from '../../src/crypto/pgp.js';
import { parseGmvSecretKey, parseX25519Subkey, verifyEd25519Detached, parseEd25519PublicKey } from '../../src/crypto/ed25519-pgp.js';
import { EnvelopeError } from '../../src/crypto/envelope.js';
import { stopGnupg } from '../helpers/cli.js';

describe('gmv keys through node:crypto', () => {
  let alice: GeneratedKey;
  let bob: GeneratedKey;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([generateKey('Alice', 'test'), generateKey('Bob', 'test')]);
  });

  it('reads the encryption subkey openpgp.js would encrypt to, under the primary fingerprint', async () => {
    for (const k of [alice, bob]) {
      const parsed = parseX25519Subkey(k.publicArmored)!;
      expect(parsed).not.toBeNull();
      expect(parsed.primary.fingerprint).toBe(k.fingerprint);
      const sub = await (await readPublic(k.publicArmored)).getEncryptionKey();
      expect(parsed.subkey.fingerprint).toBe(sub.getFingerprint().toUpperCase());
      expect(parsed.subkey.raw.equals(Buffer.from((sub.keyPacket as unknown as { publicParams: { Q: Uint8Array } }).publicParams.Q.subarray(1)))).toBe(true);
      const recipient = await readRecipient(k.publicArmored);
      expect('kind' in recipient).toBe(true);
      expect(recipientFingerprint(recipient)).toBe(k.fingerprint);
    }
    expect(parseX25519Subkey(alice.privateArmored)).toBeNull();
  });

  it('does not read a subkey bound by another key, a revoked subkey or an expiring one', async () => {
    const pgp = await openpgp();
    // Bob's subkey packet and binding spliced under Alice's primary key: the binding does not verify.
    const packets = async (armored: string) => (await pgp.readKey({ armoredKey: armored })).toPacketList();
    const a = await packets(alice.publicArmored);
    const b = await packets(bob.publicArmored);
    const spliced = new pgp.PacketList();
    for (const p of a) if (p.constructor.name !== 'PublicSubkeyPacket' && !(p.constructor.name === 'SignaturePacket' && (p as unknown as { signatureType: number }).signatureType === 0x18)) spliced.push(p);
    for (const p of b) if (p.constructor.name === 'PublicSubkeyPacket' || (p.constructor.name === 'SignaturePacket' && (p as unknown as { signatureType: number }).signatureType === 0x18)) spliced.push(p);
    const forged = pgp.armor(pgp.enums.armor.publicKey, spliced.write());
    expect(parseX25519Subkey(forged)).toBeNull();
    // openpgp.js reads it and finds no valid encryption key: nothing is wrapped for it.
    const fallback = await readRecipient(forged);
    expect('kind' in fallback).toBe(false);
    await expect(wrapDataKey(Buffer.alloc(32, 1), fallback)).rejects.toThrow();
    expect(await encryptable(fallback)).toBe(false);
    expect(await encryptable(await readRecipient(alice.publicArmored))).toBe(true);
    expect(await encryptable(await readPublic(alice.publicArmored))).toBe(true);

    const priv = await readPrivate(alice.privateArmored);
    const revokedSub = await priv.subkeys[0]!.revoke(priv.keyPacket as never);
    const withRevocation = new pgp.PacketList();
    for (const p of a) withRevocation.push(p);
    withRevocation.push(revokedSub.revocationSignatures[0]!);
    const revokedArmored = pgp.armor(pgp.enums.armor.publicKey, withRevocation.write());
    expect((await readPublic(revokedArmored)).subkeys[0]!.revocationSignatures).toHaveLength(1);
    expect(parseX25519Subkey(revokedArmored)).toBeNull();
    await expect(wrapDataKey(Buffer.alloc(32, 1), await readRecipient(revokedArmored))).rejects.toThrow();

    const { publicKey: expiring } = await pgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Exp' }], keyExpirationTime: 3600, format: 'armored' });
    expect(parseX25519Subkey(expiring)).toBeNull();

    // The user ID's self-signature counts as much as the binding: missing, revoked or spoilt, the key is openpgp.js's to judge.
    const tagOf = (p: object) => p.constructor.name;
    const without = new pgp.PacketList();
    for (const p of a) if (tagOf(p) !== 'UserIDPacket' && !(tagOf(p) === 'SignaturePacket' && (p as unknown as { signatureType: number }).signatureType === 0x13)) without.push(p);
    expect(parseX25519Subkey(pgp.armor(pgp.enums.armor.publicKey, without.write()))).toBeNull();
    const revokedUser = await priv.users[0]!.revoke(priv.keyPacket as never);
    const withUidRevocation = new pgp.PacketList();
    for (const p of a) {
      withUidRevocation.push(p);
      if (tagOf(p) === 'SignaturePacket' && (p as unknown as { signatureType: number }).signatureType === 0x13) withUidRevocation.push(revokedUser.revocationSignatures[0]!);
    }
    expect(parseX25519Subkey(pgp.armor(pgp.enums.armor.publicKey, withUidRevocation.write()))).toBeNull();
    const bytes = Buffer.from(a.write());
    const selfAt = bytes.indexOf(Buffer.from((a.find((p) => tagOf(p) === 'SignaturePacket') as unknown as { write(): Uint8Array }).write()));
    expect(selfAt).toBeGreaterThan(0);
    const spoilt = Buffer.from(bytes);
    spoilt[selfAt + 40]! ^= 0x01;
    expect(parseX25519Subkey(pgp.armor(pgp.enums.armor.publicKey, spoilt))).toBeNull();
  });

  it('wraps for the native reading that the openpgp.js key opens, and no other', async () => {
    const recipient = await readRecipient(alice.publicArmored);
    const wrapped = await wrapDataKey(Buffer.alloc(32, 7), recipient);
    expect(Buffer.from(await decryptWith(wrapped, await readPrivate(alice.privateArmored))).equals(Buffer.alloc(32, 7))).toBe(true);
    const opened = await openSecretKey(alice.privateArmored);
    expect(Buffer.from(await opened.decrypt(wrapped)).equals(Buffer.alloc(32, 7))).toBe(true);
    await expect((await openSecretKey(bob.privateArmored)).decrypt(wrapped)).rejects.toBeInstanceOf(EnvelopeError);
    // An OpenPGP message (older vaults) still opens, through openpgp.js.
    const pgp = await openpgp();
    const message = await pgp.encrypt({ message: await pgp.createMessage({ binary: Buffer.alloc(32, 5) }), encryptionKeys: await readPublic(alice.publicArmored), format: 'binary' });
    expect(Buffer.from(await opened.decrypt(message as Uint8Array)).equals(Buffer.alloc(32, 5))).toBe(true);
  });

  it('opens a secret key of gmv\'s shape only when its checksums and public halves hold', async () => {
    const parsed = parseGmvSecretKey(alice.privateArmored)!;
    expect(parsed.fingerprint).toBe(alice.fingerprint);
    expect(parseGmvSecretKey(alice.publicArmored)).toBeNull();
    const pgp = await openpgp();
    const list = (await pgp.readPrivateKey({ armoredKey: alice.privateArmored })).toPacketList().write();
    await fc.assert(fc.asyncProperty(fc.nat({ max: list.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
      const bytes = Buffer.from(list);
      bytes[at]! ^= flip;
      const armored = pgp.armor(pgp.enums.armor.privateKey, bytes);
      const changed = parseGmvSecretKey(armored);
      // A changed creation time is another key (another fingerprint, which its record then refuses);
      // whatever still reads as Alice's key must be it: its signatures verify under her public key.
      if (changed === null || changed.fingerprint !== alice.fingerprint) return;
      const { signEd25519Detached } = await import('../../src/crypto/ed25519-pgp.js');
      const sig = signEd25519Detached(Buffer.from('x'), changed);
      expect(verifyEd25519Detached(Buffer.from('x'), sig, parseEd25519PublicKey(alice.publicArmored)!)).toBe(true);
    }), { numRuns: 150 });
  });

  it('does not open a secret key whose Curve25519 secret is not its public key\'s, even with a checksum made to match', async () => {
    const pgp = await openpgp();
    const bytes = Buffer.from((await pgp.readPrivateKey({ armoredKey: alice.privateArmored })).toPacketList().write());
    const parsed = parseGmvSecretKey(alice.privateArmored)!;
    // The secret subkey packet ends with the 32-byte secret and its two-byte checksum.
    const d = parsed.subkey.d;
    const at = bytes.indexOf(d.subarray(d.findIndex((b) => b !== 0)));
    expect(at).toBeGreaterThan(0);
    const changed = Buffer.from(bytes);
    changed[at + 5]! ^= 0x01;
    const end = at + (32 - d.findIndex((b) => b !== 0));
    changed.writeUInt16BE((changed.readUInt16BE(end) + (changed[at + 5]! - bytes[at + 5]!) + 0x10000) & 0xffff, end);
    expect(parseGmvSecretKey(pgp.armor(pgp.enums.armor.privateKey, changed))).toBeNull();
  });

  it('signs what openpgp.js and the fast verifier accept, for any data', async () => {
    const opened = await openSecretKey(alice.privateArmored);
    const pub = await readPublic(alice.publicArmored);
    const fast = parseEd25519PublicKey(alice.publicArmored)!;
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (data) => {
      const signature = await opened.sign(data);
      expect(await verifyDetached(data, signature, pub)).toBe(true);
      expect(verifyEd25519Detached(data, signature, fast)).toBe(true);
      if (data.length > 0) {
        const changed = Buffer.from(data);
        changed[0]! ^= 1;
        expect(await verifyDetached(changed, signature, pub)).toBe(false);
      }
    }), { numRuns: 40 });
    expect(await verifyDetached(Buffer.from('a'), await opened.sign(Buffer.from('a')), await readPublic(bob.publicArmored)).catch(() => false)).toBe(false);
  });

  it('signs what GnuPG verifies', () => {
    const home = mkdtempSync(join(tmpdir(), 'gmv-gpg-'));
    onTestFinished(() => stopGnupg(home));
    const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', ...args], { stdio: 'pipe' });
    writeFileSync(join(home, 'key.asc'), alice.publicArmored);
    gpg('--import', join(home, 'key.asc'));
    return openSecretKey(alice.privateArmored).then(async (opened) => {
      writeFileSync(join(home, 'data'), 'signed by gmv with node:crypto');
      writeFileSync(join(home, 'data.sig'), await opened.sign(Buffer.from('signed by gmv with node:crypto')));
      const out = execFileSync('gpg', ['--homedir', home, '--batch', '--status-fd', '1', '--verify', join(home, 'data.sig'), join(home, 'data')], { stdio: 'pipe' }).toString();
      expect(out).toContain(`VALIDSIG ${alice.fingerprint}`);
      writeFileSync(join(home, 'data'), 'signed by gmv with node:crypto!');
      expect(() => gpg('--verify', join(home, 'data.sig'), join(home, 'data'))).toThrow();
    });
  });
});
