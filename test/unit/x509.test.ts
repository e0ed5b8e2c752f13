/**
 * The device CA against real OpenSSL: every certificate, CSR and CRL built here (forge structures,
 * node:crypto signatures) is written to a temp dir and checked with /usr/bin/openssl, and our own
 * verdicts (node:crypto X509Certificate / crypto.verify) must agree with OpenSSL's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import {
  buildCrl,
  certFingerprint,
  createCsr,
  createDeviceCa,
  DeviceCaError,
  generateDeviceKey,
  issueDeviceCertificate,
  normalizeSerialHex,
  readCrl,
  readCsr,
  verifyDeviceCertificate,
  type CaMaterial,
} from '../../src/crypto/x509.js';
import { englishProse, PRODUCT_WORDS } from '../helpers/untranslated.js';

const OPENSSL = '/usr/bin/openssl';
const DAY = 86_400_000;
const ORG = '沈阳市网信办';
const VAULT = 'vault-0f3a';

let dir: string;
let ca: CaMaterial;
let files = 0;

function write(content: string): string {
  const path = join(dir, `f${files++}.pem`);
  writeFileSync(path, content);
  return path;
}

function openssl(...args: string[]): { ok: boolean; out: string } {
  const run = spawnSync(OPENSSL, args, { encoding: 'utf8', cwd: dir });
  return { ok: run.status === 0, out: `${run.stdout}${run.stderr}` };
}

/** `openssl verify` of a device certificate against the CA, with a CRL when given. */
function opensslVerify(caPem: string, certPem: string, crlPem?: string): { ok: boolean; out: string } {
  const args = ['verify', '-x509_strict', '-CAfile', write(caPem)];
  if (crlPem !== undefined) args.push('-CRLfile', write(crlPem), '-crl_check');
  return openssl(...args, write(certPem));
}

function device(opts: { ca?: CaMaterial; org?: string; deviceId?: string; now?: Date; validDays?: number; serialHex?: string } = {}) {
  const key = generateDeviceKey();
  const csrPem = createCsr({ ...key, deviceId: opts.deviceId ?? 'term-01', login: 'zhang.wei', org: opts.org ?? ORG });
  const issued = issueDeviceCertificate({
    ca: opts.ca ?? ca,
    csrPem,
    now: opts.now ?? new Date(Date.now() - 60_000),
    validDays: opts.validDays ?? 365,
    ...(opts.serialHex === undefined ? {} : { serialHex: opts.serialHex }),
  });
  return { key, csrPem, ...issued };
}

function crlOf(revoked: Parameters<typeof buildCrl>[0]['revoked'], crlNumber: number, authority: CaMaterial = ca): string {
  const now = Date.now();
  return buildCrl({ ca: authority, revoked, crlNumber, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + 7 * DAY) });
}

const pemToDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const derToPem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;

/** Header length of the DER TLV at `at` (definite lengths). */
function headerLength(der: Buffer, at: number): { header: number; length: number } {
  const first = der[at + 1]!;
  if (first < 0x80) return { header: 2, length: first };
  let length = 0;
  for (let k = 0; k < (first & 0x7f); k++) length = length * 256 + der[at + 2 + k]!;
  return { header: 2 + (first & 0x7f), length };
}

function derTlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

/** Replace the signature of a signed structure (certificate / CRL) by one made with another key over the same TBS. */
function resign(der: Buffer, otherKeyPem: string): Buffer {
  const outer = headerLength(der, 0);
  const tbsStart = outer.header;
  const tbs = headerLength(der, tbsStart);
  const tbsBytes = der.subarray(tbsStart, tbsStart + tbs.header + tbs.length);
  const algStart = tbsStart + tbs.header + tbs.length;
  const alg = headerLength(der, algStart);
  const algBytes = der.subarray(algStart, algStart + alg.header + alg.length);
  const signature = sign('sha256', tbsBytes, createPrivateKey(otherKeyPem));
  return derTlv(0x30, Buffer.concat([tbsBytes, algBytes, derTlv(0x03, Buffer.concat([Buffer.from([0]), signature]))]));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gmv-x509-'));
  ca = createDeviceCa({ org: ORG, vaultId: VAULT, now: new Date(Date.now() - 30 * DAY), validDays: 3650 });
  expect(openssl('version').out).toMatch(/^OpenSSL 3\./);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('device CA and certificates, checked by OpenSSL', () => {
  it('OpenSSL accepts a fresh certificate with an empty CRL and reports it revoked once its serial is listed; our verdicts agree', () => {
    const dev = device();
    const emptyCrl = crlOf([], 1);
    expect(openssl('crl', '-in', write(emptyCrl), '-CAfile', write(ca.certPem), '-noout').out).toMatch(/verify OK/);
    const accepted = opensslVerify(ca.certPem, dev.certPem, emptyCrl);
    expect(accepted.out).toMatch(/: OK\s*$/);
    expect(accepted.ok).toBe(true);
    const empty = readCrl(emptyCrl, ca.certPem);
    expect(empty.revokedSerials.size).toBe(0);
    expect(empty.crlNumber).toBe(1);
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: dev.certPem, revokedSerials: empty.revokedSerials, at: new Date() })).toEqual({
      ok: true,
      serialHex: dev.serialHex,
      notAfter: dev.notAfter,
    });

    const other = device();
    const crl = crlOf([{ serialHex: dev.serialHex, revokedAt: new Date(), reason: 'keyCompromise' }], 2);
    expect(openssl('crl', '-in', write(crl), '-CAfile', write(ca.certPem), '-noout').out).toMatch(/verify OK/);
    const refused = opensslVerify(ca.certPem, dev.certPem, crl);
    expect(refused.ok).toBe(false);
    expect(refused.out).toMatch(/certificate revoked/);
    const read = readCrl(crl, ca.certPem);
    expect(read.crlNumber).toBe(2);
    expect([...read.revokedSerials]).toEqual([dev.serialHex]);
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: dev.certPem, revokedSerials: read.revokedSerials, at: new Date() })).toEqual({
      ok: false,
      reason: 'revoked',
    });
    // The other terminal stays valid under the same CRL, for both.
    expect(opensslVerify(ca.certPem, other.certPem, crl).ok).toBe(true);
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: other.certPem, revokedSerials: read.revokedSerials, at: new Date() }).ok).toBe(true);
  });

  it('builds the RFC 5280 profiles: CA with keyCertSign+cRLSign, end entity with CA:FALSE, clientAuth, SKI and AKI', () => {
    const dev = device();
    const caText = openssl('x509', '-in', write(ca.certPem), '-noout', '-text').out;
    expect(caText).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(caText).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(caText).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    const caSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
    expect(caSki).toBeDefined();

    const text = openssl('x509', '-in', write(dev.certPem), '-noout', '-text').out;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\s/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(/Subject Key Identifier:\s+([0-9A-F:]+)/.exec(text)?.[1]).not.toBe(caSki);
    expect(/Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1]).toBe(caSki);

    const cert = new X509Certificate(dev.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.issuer).toBe(caCert.subject);
    expect(caCert.subject).toBe(`O=${ORG}\nOU=${VAULT}\nCN=gmv device CA`);
    expect(cert.subject).toBe(`O=${ORG}\nOU=zhang.wei\nCN=term-01`);
    expect(cert.ca).toBe(false);
    expect(caCert.ca).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);

    // Serial: 16 random octets, positive, exactly what node (and so lookups) report.
    expect(dev.serialHex).toBe(cert.serialNumber);
    expect(dev.serialHex).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(dev.serialHex.startsWith('00')).toBe(false);
    expect(dev.notAfter.getTime()).toBe(new Date(cert.validTo).getTime());

    const fingerprint = openssl('x509', '-in', write(dev.certPem), '-noout', '-fingerprint', '-sha256').out;
    expect(fingerprint.trim()).toBe(`sha256 Fingerprint=${certFingerprint(dev.certPem)}`);
  });

  it('creates CSRs that OpenSSL verifies and reads them back only when the proof of possession holds', () => {
    const key = generateDeviceKey();
    const csrPem = createCsr({ ...key, deviceId: 'term-07', login: 'li.na', org: ORG });
    const checked = openssl('req', '-in', write(csrPem), '-verify', '-noout');
    expect(checked.ok).toBe(true);
    expect(checked.out).toMatch(/verify OK/);
    expect(readCsr(csrPem)).toEqual({ publicKeyPem: key.publicPem, deviceId: 'term-07', login: 'li.na', org: ORG });

    const der = pemToDer(csrPem);
    const at = der.indexOf(Buffer.from('term-07'));
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(der);
    tampered[at] = 'T'.charCodeAt(0);
    const tamperedPem = derToPem('CERTIFICATE REQUEST', tampered);
    expect(() => readCsr(tamperedPem)).toThrow(/signature does not verify/);
    // OpenSSL 3.0's `req -verify` exits 0 even on failure; its message is what tells.
    expect(openssl('req', '-in', write(tamperedPem), '-verify', '-noout').out).toMatch(/self-signature verify failure/);
    expect(() => issueDeviceCertificate({ ca, csrPem: tamperedPem, now: new Date(), validDays: 30 })).toThrow(Error);

    // Signed by a key other than the one it requests a certificate for: no proof of possession.
    const stranger = generateDeviceKey();
    expect(() => readCsr(derToPem('CERTIFICATE REQUEST', resign(der, stranger.privatePem)))).toThrow(/signature does not verify/);
    expect(() => createCsr({ privatePem: stranger.privatePem, publicPem: key.publicPem, deviceId: 'x', login: 'y', org: 'z' })).toThrow(/does not belong/);
    expect(() => readCsr('not a csr')).toThrow(Error);
    expect(() => readCsr(derToPem('CERTIFICATE REQUEST', der.subarray(0, der.length - 5)))).toThrow(Error);
  });

  it('refuses a certificate from another CA, including one with the very same subject name', () => {
    const sameName = createDeviceCa({ org: ORG, vaultId: VAULT, now: new Date(Date.now() - DAY), validDays: 365 });
    const otherVault = createDeviceCa({ org: ORG, vaultId: 'vault-other', now: new Date(Date.now() - DAY), validDays: 365 });
    for (const foreign of [sameName, otherVault]) {
      const dev = device({ ca: foreign });
      expect(opensslVerify(foreign.certPem, dev.certPem).ok).toBe(true);
      const result = opensslVerify(ca.certPem, dev.certPem);
      expect(result.ok).toBe(false);
      expect(result.out).toMatch(/unable to get local issuer certificate/);
      expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: dev.certPem, revokedSerials: new Set(), at: new Date() })).toEqual({
        ok: false,
        reason: 'not-issued-by-ca',
      });
    }
  });

  it('refuses a certificate whose signature bytes were flipped, or that the right-named key did not sign', () => {
    const dev = device();
    const der = pemToDer(dev.certPem);
    for (const offset of [1, 40, 200]) {
      const flipped = Buffer.from(der);
      flipped[flipped.length - offset] = flipped[flipped.length - offset]! ^ 0x5a;
      const pem = derToPem('CERTIFICATE', flipped);
      const result = opensslVerify(ca.certPem, pem);
      expect(result.ok).toBe(false);
      expect(result.out).toMatch(/certificate signature failure/);
      const verdict = verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: pem, revokedSerials: new Set(), at: new Date() });
      expect(verdict.ok ? 'ok' : verdict.reason).toMatch(/^(bad-signature|malformed)$/);
    }
    // Same TBS (issuer name, AKI and all) signed with another key: checkIssued passes, the signature does not.
    const forged = derToPem('CERTIFICATE', resign(der, generateDeviceKey().privatePem));
    expect(opensslVerify(ca.certPem, forged).ok).toBe(false);
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: forged, revokedSerials: new Set(), at: new Date() })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: 'garbage', revokedSerials: new Set(), at: new Date() })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('reports expired and not-yet-valid certificates as OpenSSL does', () => {
    const expired = device({ now: new Date(Date.now() - 10 * DAY), validDays: 1 });
    const result = opensslVerify(ca.certPem, expired.certPem);
    expect(result.ok).toBe(false);
    expect(result.out).toMatch(/certificate has expired/);
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: expired.certPem, revokedSerials: new Set(), at: new Date() })).toEqual({
      ok: false,
      reason: 'expired',
    });
    // ...but it was fine while it lasted.
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: expired.certPem, revokedSerials: new Set(), at: new Date(Date.now() - 9.5 * DAY) }).ok).toBe(true);

    const future = device({ now: new Date(Date.now() + 2 * DAY), validDays: 30 });
    const early = opensslVerify(ca.certPem, future.certPem);
    expect(early.ok).toBe(false);
    expect(early.out).toMatch(/certificate is not yet valid/);
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: future.certPem, revokedSerials: new Set(), at: new Date() })).toEqual({
      ok: false,
      reason: 'not-yet-valid',
    });
  });

  it('checks the expected public key (SPKI DER) and refuses the CA certificate posing as a device', () => {
    const dev = device();
    const base = { caCertPem: ca.certPem, certPem: dev.certPem, revokedSerials: new Set<string>(), at: new Date() };
    expect(verifyDeviceCertificate({ ...base, expectedPublicKeyPem: dev.key.publicPem }).ok).toBe(true);
    // The same key from its private half, another PEM spelling of the same SPKI.
    expect(verifyDeviceCertificate({ ...base, expectedPublicKeyPem: dev.key.privatePem }).ok).toBe(true);
    expect(verifyDeviceCertificate({ ...base, expectedPublicKeyPem: generateDeviceKey().publicPem })).toEqual({ ok: false, reason: 'wrong-key' });
    expect(verifyDeviceCertificate({ ...base, expectedPublicKeyPem: 'not a key' })).toEqual({ ok: false, reason: 'wrong-key' });
    expect(verifyDeviceCertificate({ ...base, certPem: ca.certPem })).toEqual({ ok: false, reason: 'malformed' });
    expect(() => verifyDeviceCertificate({ ...base, caCertPem: dev.certPem })).toThrow(/CA:true/);
  });

  it('caps a certificate at the CA notAfter and refuses a CA key that does not match the CA certificate', () => {
    const shortCa = createDeviceCa({ org: 'Short', vaultId: 'v', now: new Date(Date.now() - DAY), validDays: 10 });
    const dev = device({ ca: shortCa, validDays: 365 });
    expect(dev.notAfter.getTime()).toBe(new Date(new X509Certificate(shortCa.certPem).validTo).getTime());
    expect(opensslVerify(shortCa.certPem, dev.certPem).ok).toBe(true);
    const mixed = { keyPem: shortCa.keyPem, certPem: ca.certPem };
    expect(() => device({ ca: mixed })).toThrow(/does not match/);
    expect(() => crlOf([], 1, mixed)).toThrow(/does not match/);
  });
});

describe('CRLs, checked by OpenSSL', () => {
  it('refuses a CRL signed by another CA key', () => {
    const twin = createDeviceCa({ org: ORG, vaultId: VAULT, now: new Date(Date.now() - DAY), validDays: 365 });
    const byTwin = crlOf([{ serialHex: '0A', revokedAt: new Date() }], 3, twin);
    expect(() => readCrl(byTwin, twin.certPem)).not.toThrow();
    expect(() => readCrl(byTwin, ca.certPem)).toThrow(/signature does not verify/);
    expect(openssl('crl', '-in', write(byTwin), '-CAfile', write(ca.certPem), '-noout').out).not.toMatch(/verify OK/);

    // Identical TBSCertList (issuer, AKI, number), only the signing key differs.
    const genuine = crlOf([{ serialHex: '0B', revokedAt: new Date() }], 4);
    const forged = derToPem('X509 CRL', resign(pemToDer(genuine), twin.keyPem));
    expect(() => readCrl(forged, ca.certPem)).toThrow(/signature does not verify/);
    expect(openssl('crl', '-in', write(forged), '-CAfile', write(ca.certPem), '-noout').out).toMatch(/verify failure/);
    const dev = device();
    expect(opensslVerify(ca.certPem, dev.certPem, forged).ok).toBe(false);
  });

  it('refuses tampered CRL bytes', () => {
    const crl = crlOf([{ serialHex: '7C', revokedAt: new Date(), reason: 'superseded' }], 5);
    const der = pemToDer(crl);
    // Change the CRL number (structure still valid DER): 06 03 55 1d 14 | 04 03 | 02 01 <n>
    const numberAt = der.indexOf(Buffer.from('0603551d14040302', 'hex')) + 9;
    expect(der[numberAt]).toBe(5);
    const renumbered = Buffer.from(der);
    renumbered[numberAt] = 6;
    // Un-revoke: change the revoked serial.
    const serialAt = der.indexOf(Buffer.from('02017c', 'hex')) + 2;
    const unrevoked = Buffer.from(der);
    unrevoked[serialAt] = 0x7d;
    const flippedSignature = Buffer.from(der);
    flippedSignature[der.length - 3] = flippedSignature[der.length - 3]! ^ 1;
    for (const bad of [renumbered, unrevoked, flippedSignature]) {
      const pem = derToPem('X509 CRL', bad);
      expect(() => readCrl(pem, ca.certPem)).toThrow(/signature does not verify/);
      expect(openssl('crl', '-in', write(pem), '-CAfile', write(ca.certPem), '-noout').out).toMatch(/verify failure/);
    }
    expect(() => readCrl(derToPem('X509 CRL', der.subarray(0, der.length - 1)), ca.certPem)).toThrow(Error);
    expect(() => readCrl(crl.replace('BEGIN X509 CRL', 'BEGIN CERTIFICATE'), ca.certPem)).toThrow(Error);
    expect(readCrl(crl, ca.certPem).crlNumber).toBe(5);
  });

  it('writes reason codes (none for unspecified), round-trips entries and accepts lower-case / padded serials', () => {
    const revokedAt = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 999));
    const crl = crlOf(
      [
        { serialHex: '00ab12', revokedAt, reason: 'keyCompromise' },
        { serialHex: '0C0FFEE', revokedAt, reason: 'affiliationChanged' },
        { serialHex: '11', revokedAt, reason: 'superseded' },
        { serialHex: '12', revokedAt, reason: 'cessationOfOperation' },
        { serialHex: '13', revokedAt, reason: 'unspecified' },
        { serialHex: '14', revokedAt },
      ],
      9,
    );
    const text = openssl('crl', '-in', write(crl), '-noout', '-text').out;
    for (const reason of ['Key Compromise', 'Affiliation Changed', 'Superseded', 'Cessation Of Operation']) expect(text).toContain(reason);
    expect(text).not.toContain('Unspecified');
    expect(text).toMatch(/Serial Number: AB12/);
    expect(text).toMatch(/CRL Number:\s+9/);
    const read = readCrl(crl, ca.certPem);
    const truncated = new Date(Date.UTC(2031, 4, 6, 7, 8, 9));
    expect(read.entries).toEqual([
      { serialHex: 'AB12', revokedAt: truncated, reason: 'keyCompromise' },
      { serialHex: 'C0FFEE', revokedAt: truncated, reason: 'affiliationChanged' },
      { serialHex: '11', revokedAt: truncated, reason: 'superseded' },
      { serialHex: '12', revokedAt: truncated, reason: 'cessationOfOperation' },
      { serialHex: '13', revokedAt: truncated },
      { serialHex: '14', revokedAt: truncated },
    ]);
    expect(() => crlOf([{ serialHex: 'ab', revokedAt }, { serialHex: '00AB', revokedAt }], 1)).toThrow(/twice/);
    expect(() => buildCrl({ ca, revoked: [], crlNumber: 1, thisUpdate: new Date(), nextUpdate: new Date(Date.now() - DAY) })).toThrow(/nextUpdate/);

    // A device whose serial has its top bit set (DER sign octet) is found whatever the spelling in the set.
    const dev = device({ serialHex: 'c0ffee' });
    expect(dev.serialHex).toBe('C0FFEE');
    expect(new X509Certificate(dev.certPem).serialNumber).toBe('C0FFEE');
    const revokedCrl = crlOf([{ serialHex: '00c0ffee', revokedAt: new Date() }], 10);
    expect(opensslVerify(ca.certPem, dev.certPem, revokedCrl).out).toMatch(/certificate revoked/);
    expect(verifyDeviceCertificate({ caCertPem: ca.certPem, certPem: dev.certPem, revokedSerials: new Set(['00c0ffee']), at: new Date() })).toEqual({
      ok: false,
      reason: 'revoked',
    });
  });

  it('uses UTCTime through 2049 and GeneralizedTime from 2050, in CRLs and certificates, and OpenSSL accepts both', () => {
    const crl = buildCrl({
      ca,
      revoked: [{ serialHex: '01', revokedAt: new Date(Date.UTC(2049, 11, 31, 23, 59, 59)) }],
      crlNumber: 11,
      thisUpdate: new Date(Date.now() - 60_000),
      nextUpdate: new Date(Date.UTC(2050, 0, 1, 0, 0, 0)),
    });
    const parsed = openssl('asn1parse', '-in', write(crl)).out;
    expect(parsed).toMatch(/UTCTIME\s+:491231235959Z/);
    expect(parsed).toMatch(/GENERALIZEDTIME\s+:20500101000000Z/);
    expect(openssl('crl', '-in', write(crl), '-CAfile', write(ca.certPem), '-noout').out).toMatch(/verify OK/);
    const read = readCrl(crl, ca.certPem);
    expect(read.nextUpdate.toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect(read.entries[0]?.revokedAt.toISOString()).toBe('2049-12-31T23:59:59.000Z');

    const longCa = createDeviceCa({ org: 'Long', vaultId: 'v', now: new Date(Date.now() - DAY), validDays: 40 * 365 });
    const dev = device({ ca: longCa, validDays: 35 * 365 });
    expect(dev.notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2050);
    const certAsn1 = openssl('asn1parse', '-in', write(dev.certPem)).out;
    expect(certAsn1).toMatch(/UTCTIME/);
    expect(certAsn1).toMatch(/GENERALIZEDTIME/);
    expect(opensslVerify(longCa.certPem, dev.certPem).ok).toBe(true);
    expect(verifyDeviceCertificate({ caCertPem: longCa.certPem, certPem: dev.certPem, revokedSerials: new Set(), at: new Date() })).toMatchObject({
      ok: true,
      notAfter: dev.notAfter,
    });
  });
});

describe('diagnostics in the reader\'s language', () => {
  /** The DEVICE_CA_INVALID a call throws, as a zh-CN and an English reader see it. */
  function refusal(call: () => unknown): { zh: string; en: string } {
    try {
      call();
    } catch (error) {
      expect(error).toBeInstanceOf(DeviceCaError);
      return { zh: (error as DeviceCaError).localized('zh-CN'), en: (error as DeviceCaError).message };
    }
    throw new Error('expected a DeviceCaError');
  }

  it('say what is wrong with a CSR, a CRL or the CA in Chinese, and in English as before', () => {
    const key = generateDeviceKey();
    const der = pemToDer(createCsr({ ...key, deviceId: 'term-07', login: 'li.na', org: ORG }));
    const tampered = Buffer.from(der);
    tampered[der.indexOf(Buffer.from('term-07'))] = 'T'.charCodeAt(0);
    const forged = refusal(() => readCsr(derToPem('CERTIFICATE REQUEST', tampered)));
    expect(forged.zh).toBe('完整性故障：保险库的设备证书材料校验失败（CSR：签名验证失败（不能证明持有私钥））。请按被篡改处理，并与备份比对。');
    expect(forged.en).toContain('(CSR: signature does not verify (no proof of possession))');

    // A subject value in a string type gmv does not read (T61String, universal tag 20, which @types/node-forge
    // does not name): the structure is named by a catalogue word too.
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.publicKeyFromPem(key.publicPem);
    csr.setSubject([{ type: '2.5.4.3', value: 'term-08', valueTagClass: 20 as unknown as forge.asn1.Class }]);
    csr.sign(forge.pki.privateKeyFromPem(key.privatePem), forge.md.sha256.create());
    const t61 = refusal(() => readCsr(forge.pki.certificationRequestToPem(csr)));
    expect(t61.zh).toContain('（CSR 主体：属性值的编码不受支持或无效）');
    expect(t61.en).toContain('(CSR subject: unsupported or invalid attribute value encoding)');

    const twin = createDeviceCa({ org: ORG, vaultId: VAULT, now: new Date(Date.now() - DAY), validDays: 30 });
    const dev = device();
    const seen = [
      forged,
      t61,
      refusal(() => readCsr('not a csr')),
      refusal(() => readCsr(derToPem('CERTIFICATE REQUEST', der.subarray(0, der.length - 5)))),
      refusal(() => readCrl(crlOf([], 1, twin), ca.certPem)),
      refusal(() => readCrl(crlOf([], 1), dev.certPem)),
      refusal(() => crlOf([{ serialHex: 'ab', revokedAt: new Date() }, { serialHex: '00AB', revokedAt: new Date() }], 1)),
      refusal(() => createCsr({ ...key, deviceId: '', login: 'a', org: 'b' })),
      refusal(() => device({ ca: { keyPem: twin.keyPem, certPem: ca.certPem } })),
      refusal(() => normalizeSerialHex('xyz')),
    ];
    expect(seen.map((s) => s.zh.slice('完整性故障：保险库的设备证书材料校验失败（'.length, -'）。请按被篡改处理，并与备份比对。'.length))).toEqual([
      'CSR：签名验证失败（不能证明持有私钥）',
      'CSR 主体：属性值的编码不受支持或无效',
      '此处应为 PEM CERTIFICATE REQUEST',
      'CSR：DER 编码有误',
      'CRL：签名无法用 CA 密钥验证',
      'CA 证书缺少 basicConstraints CA:true',
      'buildCrl：序列号 AB 出现了两次',
      'CN 必须是非空字符串',
      'CA 私钥与 CA 证书不符',
      '无效的序列号 "xyz"',
    ]);
    const known = { commands: [], words: new Set([...PRODUCT_WORDS, 'basicConstraints', 'true', 'buildCrl']) };
    expect(seen.flatMap((s) => englishProse(s.zh, known))).toEqual([]);
  });
});

describe('names and serial numbers', () => {
  it('round-trips Chinese organisation names (UTF8String) and OpenSSL accepts the certificate', () => {
    const org = '沈阳市互联网信息办公室（网信办）';
    const chineseCa = createDeviceCa({ org, vaultId: '政务新媒体', now: new Date(Date.now() - DAY), validDays: 365 });
    const dev = device({ ca: chineseCa, org, deviceId: '终端-一号' });
    expect(readCsr(dev.csrPem)).toMatchObject({ org, deviceId: '终端-一号', login: 'zhang.wei' });
    const cert = new X509Certificate(dev.certPem);
    expect(cert.subject).toBe(`O=${org}\nOU=zhang.wei\nCN=终端-一号`);
    expect(cert.issuer).toBe(`O=${org}\nOU=政务新媒体\nCN=gmv device CA`);
    const crl = crlOf([], 1, chineseCa);
    const verified = opensslVerify(chineseCa.certPem, dev.certPem, crl);
    expect(verified.out).toMatch(/: OK\s*$/);
    expect(openssl('x509', '-in', write(dev.certPem), '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus').out.trim()).toBe(
      `subject=O=${org},OU=zhang.wei,CN=终端-一号`,
    );
    expect(openssl('asn1parse', '-in', write(dev.certPem)).out).not.toMatch(/PRINTABLESTRING/);
    expect(verifyDeviceCertificate({ caCertPem: chineseCa.certPem, certPem: dev.certPem, revokedSerials: readCrl(crl, chineseCa.certPem).revokedSerials, at: new Date() }).ok).toBe(true);
  });

  it('refuses empty, over-long and control-character names', () => {
    const key = generateDeviceKey();
    expect(() => createCsr({ ...key, deviceId: '', login: 'a', org: 'b' })).toThrow(/CN/);
    expect(() => createCsr({ ...key, deviceId: 'x'.repeat(65), login: 'a', org: 'b' })).toThrow(/CN/);
    expect(() => createCsr({ ...key, deviceId: 'x', login: 'a\nb', org: 'b' })).toThrow(/OU/);
    expect(() => createDeviceCa({ org: '', vaultId: 'v', now: new Date(), validDays: 1 })).toThrow(/O/);
    expect(() => createDeviceCa({ org: 'o', vaultId: 'v', now: new Date(), validDays: 0 })).toThrow(/validDays/);
  });

  it('reports given serials in the form node reports, at the DER edge cases', () => {
    const key = generateDeviceKey();
    const csrPem = createCsr({ ...key, deviceId: 'term-s', login: 'a', org: 'o' });
    const cases: Array<[string, string]> = [
      ['1', '01'],
      ['7f', '7F'],
      ['80', '80'],
      ['00FF', 'FF'],
      ['000000ABCDEF', 'ABCDEF'],
      ['7F' + 'EE'.repeat(19), '7F' + 'EE'.repeat(19)],
    ];
    for (const [given, expected] of cases) {
      const issued = issueDeviceCertificate({ ca, csrPem, serialHex: given, now: new Date(), validDays: 1 });
      expect(issued.serialHex).toBe(expected);
      expect(new X509Certificate(issued.certPem).serialNumber).toBe(expected);
    }
    // 20 octets with the top bit set needs a 21st (sign) octet: over RFC 5280's limit.
    for (const bad of ['80' + '00'.repeat(19), '0', '00', '', 'xyz', '12 34']) {
      expect(() => issueDeviceCertificate({ ca, csrPem, serialHex: bad, now: new Date(), validDays: 1 })).toThrow(/serial/);
    }
  });

  it('normalises serials: case- and leading-zero-insensitive, idempotent, and the hex of the same positive integer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 159n) - 1n }), fc.nat({ max: 4 }), fc.boolean(), (n, zeros, lower) => {
        let hex = '0'.repeat(zeros) + n.toString(16);
        hex = lower ? hex.toLowerCase() : hex.toUpperCase();
        const normalised = normalizeSerialHex(hex);
        expect(normalised).toMatch(/^(?!00)([0-9A-F]{2})+$/);
        expect(BigInt(`0x${normalised}`)).toBe(n);
        expect(normalizeSerialHex(normalised)).toBe(normalised);
      }),
    );
  });
});
