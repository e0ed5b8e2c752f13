/**
 * The node:crypto fast path for gmv's OpenPGP signatures may only ever say "valid" where openpgp.js
 * (and GnuPG) say valid; everywhere else it must step aside (null), never decide "valid" wrongly.
 */
import { describe, expect, it, beforeAll, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateKey, readPrivate, readPublic, signDetached, verifyDetached, fingerprintOf, type GeneratedKey } from '../../src/crypto/pgp.js';
import { parseEd25519PublicKey, verifyEd25519Detached } from '../../src/crypto/ed25519-pgp.js';
import { stopGnupg } from '../helpers/cli.js';

describe('OpenPGP Ed25519 signatures through node:crypto', () => {
  let alice: GeneratedKey;
  let bob: GeneratedKey;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([generateKey('Alice', 'test'), generateKey('Bob', 'test')]);
  });

  it('reads gmv keys with the fingerprint openpgp.js computes', async () => {
    for (const k of [alice, bob]) {
      const parsed = parseEd25519PublicKey(k.publicArmored)!;
      expect(parsed).not.toBeNull();
      expect(parsed.fingerprint).toBe(fingerprintOf(await readPublic(k.publicArmored)));
      expect(parsed.fingerprint).toBe(k.fingerprint);
    }
    expect(parseEd25519PublicKey('not a key')).toBeNull();
    expect(parseEd25519PublicKey(alice.privateArmored)).toBeNull();
  });

  it('says valid exactly when openpgp.js does, for any data and any single-byte change to it or to the signature', async () => {
    const key = await readPrivate(alice.privateArmored);
    const pub = await readPublic(alice.publicArmored);
    const fast = parseEd25519PublicKey(alice.publicArmored)!;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (data, at, flip, inSignature) => {
        const signature = await signDetached(data, key);
        expect(verifyEd25519Detached(data, signature, fast)).toBe(true);
        const [d, s] = [Buffer.from(data), Buffer.from(signature)];
        if (inSignature) s[at % s.length]! ^= flip;
        else if (d.length > 0) d[at % d.length]! ^= flip;
        else return;
        const reference = await verifyDetached(d, s, pub).catch(() => false);
        const answer = verifyEd25519Detached(d, s, fast);
        expect(answer === true ? true : null).toBe(answer);
        if (answer === true) expect(reference).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('never accepts another key\'s signature, a signature from the future, or one older than the key', async () => {
    const data = Buffer.from('checkpoint');
    const signature = await signDetached(data, await readPrivate(bob.privateArmored));
    expect(verifyEd25519Detached(data, signature, parseEd25519PublicKey(alice.publicArmored)!)).toBeNull();
    const own = await signDetached(data, await readPrivate(alice.privateArmored));
    const fast = parseEd25519PublicKey(alice.publicArmored)!;
    expect(verifyEd25519Detached(data, own, fast, new Date(Date.now() - 24 * 3600 * 1000))).toBeNull();
    expect(verifyEd25519Detached(data, own, { ...fast, created: fast.created + 3600 })).toBeNull();
  });

  it('accepts a detached signature GnuPG made with a gmv key', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gmv-gpg-'));
    onTestFinished(() => stopGnupg(home));
    const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { stdio: 'pipe' });
    writeFileSync(join(home, 'key.asc'), alice.privateArmored);
    gpg('--import', join(home, 'key.asc'));
    writeFileSync(join(home, 'data'), 'signed by GnuPG');
    gpg('--local-user', alice.fingerprint, '--detach-sign', '--output', join(home, 'data.sig'), join(home, 'data'));
    const signature = readFileSync(join(home, 'data.sig'));
    const data = readFileSync(join(home, 'data'));
    const answer = verifyEd25519Detached(data, signature, parseEd25519PublicKey(alice.publicArmored)!);
    expect(await verifyDetached(data, signature, await readPublic(alice.publicArmored))).toBe(true);
    expect(answer).toBe(true);
    data[0]! ^= 1;
    expect(verifyEd25519Detached(data, signature, parseEd25519PublicKey(alice.publicArmored)!)).toBeNull();
  });
});
