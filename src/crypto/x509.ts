/**
 * The device certificate authority: an organisation's vault-scoped CA that authorises terminals.
 *
 * Division of labour (security model, non-negotiable):
 *  - node-forge only *builds* ASN.1 structures (the CSR's CertificationRequestInfo, TBSCertificate via
 *    `pki.getTBSCertificate`, and the whole TBSCertList by hand with `forge.asn1`, since forge has no CRL API);
 *  - every signature is made with node:crypto (`crypto.sign`, RSASSA-PKCS1-v1_5 with SHA-256);
 *  - every verification of a certificate, CRL or CSR goes through node:crypto (`X509Certificate`,
 *    `crypto.verify`); forge's own verifiers are never used.
 * Keys are RSA-2048 from `generateKeyPairSync` (PKCS#8 PEM private, SPKI PEM public); the only signature
 * algorithm produced or accepted is sha256WithRSAEncryption (AlgorithmIdentifier with NULL parameters).
 *
 * Serial numbers ("serialHex"): uppercase hexadecimal of the INTEGER's magnitude, an even number of digits,
 * no leading 00 octets, no sign octet: exactly what `new X509Certificate(pem).serialNumber` reports (it is
 * OpenSSL's BN_bn2hex). Fresh serials are 16 random octets with the top bit cleared and a non-zero first
 * octet, so they are always 32 hex digits, positive and DER-minimal. `normalizeSerialHex` maps any accepted
 * spelling (lower case, odd length, leading zeros) to that form; the revocation checks compare normalised forms.
 *
 * Times: UTCTime for 1950-01-01 .. 2049-12-31, GeneralizedTime otherwise (RFC 5280 4.1.2.5), always in
 * whole seconds with "Z"; the Dates given are truncated to the second and the truncated values returned.
 */
import { X509Certificate, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { GmvError } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';

const { asn1 } = forge;
type Asn1 = ReturnType<typeof asn1.create>;
type ForgeCertificate = ReturnType<typeof forge.pki.createCertificate>;
type ForgeCsr = ReturnType<typeof forge.pki.createCertificationRequest>;
type CertificateField = Parameters<ForgeCertificate['setSubject']>[0][number];
/** forge's structure builders that @types/node-forge does not declare (present in node-forge 1.x lib/x509.js). */
const pki = forge.pki as typeof forge.pki & {
  getTBSCertificate(cert: ForgeCertificate): Asn1;
  getCertificationRequestInfo(csr: ForgeCsr): Asn1;
};
const U = asn1.Class.UNIVERSAL;
const CTX = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

/**
 * The errors this module throws for bad signatures and malformed structures. Everything it reads
 * comes from the vault (the CA, stored CSRs, CRLs), so unless a caller knows better it is an
 * integrity failure (exit 6) with the reason as its detail.
 */
export class DeviceCaError extends GmvError {
  /** `detail` is a catalogue key; `params` fill it (a `part` is a catalogue word or a structure's name from the RFCs). */
  constructor(detail: MessageKey, params: Record<string, string | number> = {}) {
    super('DEVICE_CA_INVALID', { ...params, detail });
    this.name = 'DeviceCaError';
  }
}

export interface CaMaterial {
  /** The CA's private key, PKCS#8 PEM. */
  keyPem: string;
  certPem: string;
}

export interface CsrInfo {
  /** SPKI PEM of the requester's key (RSA, at least 2048 bits), re-exported by node:crypto. */
  publicKeyPem: string;
  deviceId: string;
  login: string;
  org: string;
}

export type RevocationReason = 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation' | 'unspecified';

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  /** Written as a reasonCode CRL entry extension, except 'unspecified', which RFC 5280 5.3.1 says to omit. */
  reason?: RevocationReason;
}

export interface CrlContents {
  /** Normalised serials (see the module comment). */
  revokedSerials: Set<string>;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number;
  /** The entries in CRL order, with revocation dates and reasons (reason absent when the CRL gives none). */
  entries: RevokedEntry[];
}

export type CertVerdict =
  | { ok: true; serialHex: string; notAfter: Date }
  | { ok: false; reason: 'not-issued-by-ca' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'revoked' | 'malformed' | 'wrong-key' };

const OID = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  subjectKeyIdentifier: '2.5.29.14',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const REASON_CODE: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

const CA_COMMON_NAME = 'gmv device CA';
const DAY_MS = 86_400_000;
/** RFC 5280 Appendix A upper bounds for CN, O and OU are all 64 characters. */
const MAX_NAME_CHARS = 64;

/* ------------------------------------------------------------------------------------------------ */
/* Public API                                                                                         */
/* ------------------------------------------------------------------------------------------------ */

/**
 * A new self-signed device CA: subject O=org, OU=vaultId, CN="gmv device CA" (UTF8String), validity
 * [now, now + validDays], basicConstraints CA:true (critical), keyUsage keyCertSign+cRLSign (critical),
 * subjectKeyIdentifier (SHA-1 of the subjectPublicKey, RFC 5280 4.2.1.2 method 1).
 */
export function createDeviceCa(opts: { org: string; vaultId: string; now: Date; validDays: number }): CaMaterial {
  const name = nameFields({ o: opts.org, ou: opts.vaultId, cn: CA_COMMON_NAME });
  const notBefore = wholeSecond(opts.now, 'now');
  const notAfter = addDays(notBefore, opts.validDays);
  const { privatePem, publicPem } = generateDeviceKey();

  const cert = pki.createCertificate();
  cert.serialNumber = serialContentHex(randomSerialHex());
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.publicKey = pki.publicKeyFromPem(publicPem);
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.siginfo.algorithmOid = OID.sha256WithRsa;
  const tbs = toDer(pki.getTBSCertificate(cert));
  return { keyPem: privatePem, certPem: toPem('CERTIFICATE', signStructure(tbs, privatePem)) };
}

/** A fresh RSA-2048 key pair from node:crypto: PKCS#8 PEM private key, SPKI PEM public key. */
export function generateDeviceKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/**
 * A PKCS#10 request (PEM "CERTIFICATE REQUEST") with subject O=org, OU=login, CN=deviceId (UTF8String).
 * forge builds the CertificationRequestInfo; node:crypto signs it. Throws if the two keys do not match.
 */
export function createCsr(opts: { privatePem: string; publicPem: string; deviceId: string; login: string; org: string }): string {
  const name = nameFields({ o: opts.org, ou: opts.login, cn: opts.deviceId });
  let fromPrivate: Buffer;
  let given: Buffer;
  try {
    fromPrivate = spkiDer(createPublicKey(opts.privatePem));
    given = spkiDer(createPublicKey(opts.publicPem));
  } catch {
    throw new DeviceCaError('detail.x509KeyPemUnreadable');
  }
  if (!fromPrivate.equals(given)) throw new DeviceCaError('detail.x509KeyMismatch');
  const csr = pki.createCertificationRequest();
  csr.publicKey = pki.publicKeyFromPem(opts.publicPem);
  csr.setSubject(name);
  const cri = toDer(pki.getCertificationRequestInfo(csr));
  return toPem('CERTIFICATE REQUEST', signStructure(cri, opts.privatePem));
}

/**
 * Parse a CSR and check its self-signature with node:crypto (proof of possession). Throws DeviceCaError
 * when it is malformed, not sha256WithRSAEncryption, not an RSA key of at least 2048 bits, its signature
 * does not verify, or its subject lacks exactly one each of CN, OU and O.
 */
export function readCsr(csrPem: string): CsrInfo {
  const der = fromPem(csrPem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  const { tbs: cri, algId, signature } = splitSigned(der, 'CSR');
  if (!algId.equals(SHA256_RSA_ALG_ID)) throw new DeviceCaError('detail.x509CsrAlgorithm');
  const fields = childrenOf(cri, readTlv(cri, 0, 'CSR'), 'CSR');
  const [version, subject, spki, attributes] = fields;
  if (fields.length !== 4 || !version || !subject || !spki || !attributes) throw new DeviceCaError('detail.x509CsrMalformed');
  if (!cri.subarray(version.start, version.end).equals(Buffer.from([0x02, 0x01, 0x00]))) throw new DeviceCaError('detail.x509CsrVersion');
  if (subject.tag !== 0x30 || spki.tag !== 0x30 || attributes.tag !== 0xa0) throw new DeviceCaError('detail.x509CsrMalformed');

  let key: KeyObject;
  try {
    key = createPublicKey({ key: cri.subarray(spki.start, spki.end), format: 'der', type: 'spki' });
  } catch {
    throw new DeviceCaError('detail.x509CsrKeyUnreadable');
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new DeviceCaError('detail.x509CsrKeyWeak');
  }
  if (!verify('sha256', cri, key, signature)) throw new DeviceCaError('detail.x509CsrSignature');

  const names = readName(parseDer(cri.subarray(subject.start, subject.end), 'what.x509CsrSubject'), 'what.x509CsrSubject');
  return {
    publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(),
    deviceId: single(names, OID.commonName, 'CN'),
    login: single(names, OID.organizationalUnitName, 'OU'),
    org: single(names, OID.organizationName, 'O'),
  };
}

/**
 * Issue an end-entity device certificate for a CSR (whose proof of possession is checked first).
 * Subject O/OU/CN copied from the CSR (UTF8String); issuer = the CA certificate's subject, byte for byte;
 * basicConstraints CA:false (critical), keyUsage digitalSignature (critical), extKeyUsage clientAuth,
 * subjectKeyIdentifier, authorityKeyIdentifier = the CA's subjectKeyIdentifier.
 * Validity [now, now + validDays], with notAfter capped at the CA's notAfter (the returned notAfter is the
 * one in the certificate). `serialHex` defaults to a fresh random serial; the returned serialHex is the
 * normalised form, equal to `new X509Certificate(certPem).serialNumber`.
 */
export function issueDeviceCertificate(opts: { ca: CaMaterial; csrPem: string; serialHex?: string; now: Date; validDays: number }): {
  certPem: string;
  serialHex: string;
  notAfter: Date;
} {
  const ca = readCa(opts.ca);
  const request = readCsr(opts.csrPem);
  const serialHex = opts.serialHex === undefined ? randomSerialHex() : normalizeSerialHex(opts.serialHex);
  const notBefore = wholeSecond(opts.now, 'now');
  const wanted = addDays(notBefore, opts.validDays);
  const notAfter = wanted.getTime() > ca.notAfter.getTime() ? ca.notAfter : wanted;
  if (notAfter.getTime() <= notBefore.getTime()) throw new DeviceCaError('detail.x509CaExpiresFirst');

  const cert = pki.createCertificate();
  cert.serialNumber = serialContentHex(serialHex);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.publicKey = pki.publicKeyFromPem(request.publicKeyPem);
  const subject = nameFields({ o: request.org, ou: request.login, cn: request.deviceId });
  cert.setSubject(subject);
  cert.setIssuer(subject); // placeholder: replaced below by the CA's encoded subject
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: bin(ca.ski) },
  ]);
  cert.siginfo.algorithmOid = OID.sha256WithRsa;
  const tbs = pki.getTBSCertificate(cert);
  const tbsFields = nodeChildren(tbs, 'TBSCertificate');
  if (tbsFields[3] === undefined) throw new DeviceCaError('detail.x509TbsLayout');
  tbsFields[3] = parseDer(ca.subject, 'what.x509CaSubject'); // issuer: [version, serial, signature, issuer, ...]

  const certPem = toPem('CERTIFICATE', signStructure(toDer(tbs), opts.ca.keyPem));
  const issued = new X509Certificate(certPem);
  if (issued.serialNumber !== serialHex) throw new DeviceCaError('detail.x509SerialRoundTrip');
  return { certPem, serialHex, notAfter };
}

/**
 * A v2 CRL (PEM "X509 CRL") signed by the CA with node:crypto: issuer = the CA certificate's subject
 * (byte for byte), thisUpdate, nextUpdate, the revoked entries (revokedCertificates omitted when empty,
 * per RFC 5280 5.1.2.6), and crlExtensions authorityKeyIdentifier (= the CA's SKI) and cRLNumber.
 */
export function buildCrl(opts: { ca: CaMaterial; revoked: readonly RevokedEntry[]; crlNumber: number; thisUpdate: Date; nextUpdate: Date }): string {
  const ca = readCa(opts.ca);
  const thisUpdate = wholeSecond(opts.thisUpdate, 'thisUpdate');
  const nextUpdate = wholeSecond(opts.nextUpdate, 'nextUpdate');
  if (nextUpdate.getTime() <= thisUpdate.getTime()) throw new DeviceCaError('detail.x509CrlUpdateOrder');
  if (!Number.isSafeInteger(opts.crlNumber) || opts.crlNumber < 0) throw new DeviceCaError('detail.x509CrlNumberRange');

  const seen = new Set<string>();
  const entries = opts.revoked.map((entry) => {
    const serial = normalizeSerialHex(entry.serialHex);
    if (seen.has(serial)) throw new DeviceCaError('detail.x509CrlSerialTwice', { serial });
    seen.add(serial);
    const parts: Asn1[] = [
      asn1.create(U, T.INTEGER, false, bin(Buffer.from(serialContentHex(serial), 'hex'))),
      timeNode(wholeSecond(entry.revokedAt, 'revokedAt')),
    ];
    if (entry.reason !== undefined && entry.reason !== 'unspecified') {
      const code = REASON_CODE[entry.reason];
      if (code === undefined) throw new DeviceCaError('detail.x509CrlReasonUnknown', { revocationReason: String(entry.reason) });
      const enumerated = toDer(asn1.create(U, T.ENUMERATED, false, String.fromCharCode(code)));
      parts.push(asn1.create(U, T.SEQUENCE, true, [extensionNode(OID.reasonCode, false, enumerated)]));
    }
    return asn1.create(U, T.SEQUENCE, true, parts);
  });

  const aki = toDer(asn1.create(U, T.SEQUENCE, true, [asn1.create(CTX, 0 as forge.asn1.Type, false, bin(ca.ski))]));
  const crlNumber = toDer(asn1.create(U, T.INTEGER, false, bin(unsignedContent(BigInt(opts.crlNumber)))));
  const tbsParts: Asn1[] = [
    asn1.create(U, T.INTEGER, false, '\x01'), // v2
    parseDer(SHA256_RSA_ALG_ID, 'AlgorithmIdentifier'),
    parseDer(ca.subject, 'what.x509CaSubject'),
    timeNode(thisUpdate),
    timeNode(nextUpdate),
  ];
  if (entries.length > 0) tbsParts.push(asn1.create(U, T.SEQUENCE, true, entries));
  tbsParts.push(
    asn1.create(CTX, 0 as forge.asn1.Type, true, [
      asn1.create(U, T.SEQUENCE, true, [extensionNode(OID.authorityKeyIdentifier, false, aki), extensionNode(OID.cRLNumber, false, crlNumber)]),
    ]),
  );
  const tbs = toDer(asn1.create(U, T.SEQUENCE, true, tbsParts));
  return toPem('X509 CRL', signStructure(tbs, opts.ca.keyPem));
}

/**
 * Verify a CRL against the CA certificate and read it. The signature is checked with node:crypto
 * (`crypto.verify`, the CA certificate's public key) before anything else is trusted; then the algorithm,
 * issuer (must equal the CA subject byte for byte), version (v2), authorityKeyIdentifier (must equal the
 * CA's SKI) and cRLNumber (required) are checked. Unknown critical extensions are refused (RFC 5280 5.2).
 * Freshness (nextUpdate against the clock) is the caller's decision. Throws DeviceCaError when invalid.
 */
export function readCrl(crlPem: string, caCertPem: string): CrlContents {
  const ca = readCaCert(caCertPem);
  const der = fromPem(crlPem, ['X509 CRL']);
  const { tbs, algId, signature } = splitSigned(der, 'CRL');
  if (!algId.equals(SHA256_RSA_ALG_ID)) throw new DeviceCaError('detail.x509CrlAlgorithm');
  if (!verify('sha256', tbs, ca.publicKey, signature)) throw new DeviceCaError('detail.x509CrlSignature');

  const fields = nodeChildren(parseDer(tbs, 'TBSCertList'), 'TBSCertList');
  let i = 0;
  const field = (): Asn1 | undefined => fields[i];
  const version = field();
  if (!version || !isUniversal(version, T.INTEGER) || version.value !== '\x01') throw new DeviceCaError('detail.x509CrlVersion');
  i++;
  const innerAlg = field();
  if (!innerAlg || !toDer(innerAlg).equals(SHA256_RSA_ALG_ID)) throw new DeviceCaError('detail.x509CrlInnerAlgorithm');
  i++;
  const issuer = field();
  if (!issuer || !toDer(issuer).equals(ca.subject)) throw new DeviceCaError('detail.x509CrlIssuer');
  i++;
  const thisUpdate = readTime(field(), 'CRL thisUpdate');
  i++;
  const nextUpdate = readTime(field(), 'CRL nextUpdate');
  i++;

  const entries: RevokedEntry[] = [];
  const revokedSerials = new Set<string>();
  const list = field();
  if (list && isUniversal(list, T.SEQUENCE)) {
    for (const entry of nodeChildren(list, 'what.x509CrlEntries')) {
      const [serial, date, exts, ...rest] = nodeChildren(entry, 'what.x509CrlEntry');
      if (!serial || !isUniversal(serial, T.INTEGER) || rest.length > 0) throw new DeviceCaError('detail.x509CrlEntry');
      const serialHex = serialFromContent(buf(nodeBytes(serial, 'what.x509CrlEntrySerial')));
      const item: RevokedEntry = { serialHex, revokedAt: readTime(date, 'CRL revocationDate') };
      if (exts) {
        const reason = readExtensions(exts, 'what.x509CrlEntry').get(OID.reasonCode);
        if (reason) item.reason = reasonFromCode(reason);
      }
      entries.push(item);
      revokedSerials.add(serialHex);
    }
    i++;
  }

  const extsWrapper = field();
  if (!extsWrapper || extsWrapper.tagClass !== CTX || extsWrapper.type !== 0 || !extsWrapper.constructed) throw new DeviceCaError('detail.x509CrlExtensionsMissing');
  i++;
  if (i !== fields.length) throw new DeviceCaError('detail.x509CrlExtraFields');
  const [extsSeq, ...more] = nodeChildren(extsWrapper, 'crlExtensions');
  if (!extsSeq || more.length > 0) throw new DeviceCaError('detail.x509CrlExtensionsMalformed');
  const exts = readExtensions(extsSeq, 'CRL');
  const akiDer = exts.get(OID.authorityKeyIdentifier);
  if (!akiDer || !sameBytes(authorityKeyId(akiDer), ca.ski)) throw new DeviceCaError('detail.x509CrlAki');
  const numberDer = exts.get(OID.cRLNumber);
  if (!numberDer) throw new DeviceCaError('detail.x509CrlNumberMissing');
  const numberNode = parseDer(numberDer, 'cRLNumber');
  if (!isUniversal(numberNode, T.INTEGER)) throw new DeviceCaError('detail.x509CrlNumberMalformed');
  const crlNumber = unsignedFromContent(buf(nodeBytes(numberNode, 'cRLNumber')), 'cRLNumber');
  if (crlNumber > BigInt(Number.MAX_SAFE_INTEGER)) throw new DeviceCaError('detail.x509CrlNumberTooLarge');
  return { revokedSerials, thisUpdate, nextUpdate, crlNumber: Number(crlNumber), entries };
}

/**
 * Check a device certificate with node:crypto's X509Certificate, in this order:
 * unparsable → 'malformed'; `checkIssued(ca)` false (issuer name / AKI-SKI / CA key usage) → 'not-issued-by-ca';
 * `verify(ca.publicKey)` false → 'bad-signature'; a CA certificate or one without extKeyUsage clientAuth
 * (i.e. not a device certificate) → 'malformed'; `at` outside the certificate's (or the CA's) validity →
 * 'not-yet-valid' / 'expired'; serial in `revokedSerials` (compared normalised) → 'revoked'; and when
 * `expectedPublicKeyPem` is given, the certificate's SPKI DER differs from it (or it is unreadable) → 'wrong-key'.
 * Throws DeviceCaError only when `caCertPem` itself is not a CA certificate.
 */
export function verifyDeviceCertificate(opts: {
  caCertPem: string;
  certPem: string;
  revokedSerials: ReadonlySet<string>;
  at: Date;
  expectedPublicKeyPem?: string;
}): CertVerdict {
  const ca = readCaCert(opts.caCertPem);
  const at = opts.at.getTime();
  if (Number.isNaN(at)) throw new DeviceCaError('detail.x509VerifyAt');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(opts.certPem);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!cert.checkIssued(ca.x509)) return { ok: false, reason: 'not-issued-by-ca' };
  if (!cert.verify(ca.publicKey)) return { ok: false, reason: 'bad-signature' };
  if (cert.ca || !(cert.keyUsage ?? []).includes(OID.clientAuth)) return { ok: false, reason: 'malformed' };

  const notBefore = x509Date(cert.validFrom);
  const notAfter = x509Date(cert.validTo);
  if (!notBefore || !notAfter) return { ok: false, reason: 'malformed' };
  if (at < notBefore.getTime() || at < ca.notBefore.getTime()) return { ok: false, reason: 'not-yet-valid' };
  if (at > notAfter.getTime() || at > ca.notAfter.getTime()) return { ok: false, reason: 'expired' };

  const serialHex = cert.serialNumber;
  if (isRevoked(serialHex, opts.revokedSerials)) return { ok: false, reason: 'revoked' };

  if (opts.expectedPublicKeyPem !== undefined) {
    let expected: Buffer;
    try {
      expected = spkiDer(createPublicKey(opts.expectedPublicKeyPem));
    } catch {
      return { ok: false, reason: 'wrong-key' };
    }
    if (!spkiDer(cert.publicKey).equals(expected)) return { ok: false, reason: 'wrong-key' };
  }
  return { ok: true, serialHex, notAfter };
}

/** The SHA-256 fingerprint exactly as node reports it (`fingerprint256`: uppercase hex pairs joined by ':'). */
export function certFingerprint(certPem: string): string {
  try {
    return new X509Certificate(certPem).fingerprint256;
  } catch (error) {
    throw new DeviceCaError('detail.x509Unreadable', { cause: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * The canonical serial spelling (see the module comment): uppercase, even length, no leading 00 octets.
 * Accepts upper or lower case and leading zeros; throws DeviceCaError for non-hex, zero, or more than
 * 20 octets once DER-encoded (RFC 5280 4.1.2.2).
 */
export function normalizeSerialHex(serialHex: string): string {
  const normalised = tryNormalizeSerial(serialHex);
  if (normalised === undefined) throw new DeviceCaError('detail.x509SerialInvalid', { serial: JSON.stringify(serialHex) });
  return normalised;
}

/* ------------------------------------------------------------------------------------------------ */
/* Serials, names, times                                                                              */
/* ------------------------------------------------------------------------------------------------ */

function randomSerialHex(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[0] = bytes[0]! & 0x7f;
    if (bytes[0] !== 0) return bytes.toString('hex').toUpperCase();
  }
}

function tryNormalizeSerial(serialHex: unknown): string | undefined {
  if (typeof serialHex !== 'string' || !/^[0-9a-fA-F]+$/.test(serialHex)) return undefined;
  let hex = serialHex.toUpperCase();
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.startsWith('00')) hex = hex.slice(2);
  if (hex.length === 0) return undefined;
  if (serialContentHex(hex).length > 40) return undefined;
  return hex;
}

/** DER INTEGER content (hex) of a normalised serial: a 00 sign octet when the top bit is set. */
function serialContentHex(normalised: string): string {
  return /^[89A-F]/.test(normalised) ? `00${normalised}` : normalised;
}

function serialFromContent(content: Buffer): string {
  if (content.length === 0 || (content[0]! & 0x80) !== 0) throw new DeviceCaError('detail.x509CrlSerialSign');
  const hex = content.toString('hex').toUpperCase().replace(/^(00)+/, '');
  return hex === '' ? '0' : hex;
}

function isRevoked(serialHex: string, revoked: ReadonlySet<string>): boolean {
  if (revoked.has(serialHex)) return true;
  for (const entry of revoked) if (tryNormalizeSerial(entry) === serialHex) return true;
  return false;
}

function unsignedContent(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (/^[89a-f]/.test(hex)) hex = `00${hex}`;
  return Buffer.from(hex, 'hex');
}

function unsignedFromContent(content: Buffer, part: string): bigint {
  if (content.length === 0 || (content[0]! & 0x80) !== 0) throw new DeviceCaError('detail.x509Unsigned', { part });
  return BigInt(`0x${content.toString('hex')}`);
}

function nameFields(parts: { o: string; ou: string; cn: string }): CertificateField[] {
  const field = (type: string, label: string, value: string): CertificateField => {
    checkNameValue(value, label);
    // forge's typing says asn1.Class; at runtime this is the value's universal tag (UTF8String = 12).
    return { type, value, valueTagClass: T.UTF8 as unknown as forge.asn1.Class };
  };
  return [field(OID.organizationName, 'O', parts.o), field(OID.organizationalUnitName, 'OU', parts.ou), field(OID.commonName, 'CN', parts.cn)];
}

function checkNameValue(value: unknown, label: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new DeviceCaError('detail.x509NameEmpty', { part: label });
  const chars = [...value];
  if (chars.length > MAX_NAME_CHARS) throw new DeviceCaError('detail.x509NameLong', { part: label, max: MAX_NAME_CHARS });
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) throw new DeviceCaError('detail.x509NameControls', { part: label });
  if (chars.some((c) => c.length === 1 && c >= '\ud800' && c <= '\udfff')) throw new DeviceCaError('detail.x509NameUnicode', { part: label });
}

/** Attribute OID → decoded string values, for a Name (RDNSequence). */
function readName(name: Asn1, part: string): Map<string, string[]> {
  if (!isUniversal(name, T.SEQUENCE)) throw new DeviceCaError('detail.x509NotName', { part });
  const out = new Map<string, string[]>();
  for (const rdn of nodeChildren(name, part)) {
    if (!isUniversal(rdn, T.SET)) throw new DeviceCaError('detail.x509Rdn', { part });
    for (const atv of nodeChildren(rdn, part)) {
      const [type, value, ...rest] = nodeChildren(atv, part);
      if (!type || !value || rest.length > 0 || !isUniversal(type, T.OID)) throw new DeviceCaError('detail.x509Attribute', { part });
      const oid = asn1.derToOid(nodeBytes(type, part));
      out.set(oid, [...(out.get(oid) ?? []), decodeDirectoryString(value, part)]);
    }
  }
  return out;
}

function single(names: Map<string, string[]>, oid: string, label: string): string {
  const values = names.get(oid) ?? [];
  if (values.length !== 1) throw new DeviceCaError('detail.x509CsrSubjectOne', { part: label });
  const value = values[0]!;
  checkNameValue(value, label);
  return value;
}

function decodeDirectoryString(node: Asn1, part: string): string {
  if (node.tagClass !== U || node.constructed) throw new DeviceCaError('detail.x509AttributeValue', { part });
  const bytes = buf(nodeBytes(node, part));
  const invalid = (): never => {
    throw new DeviceCaError('detail.x509AttributeEncoding', { part });
  };
  switch (node.type) {
    case T.UTF8:
      return decodeStrictly('utf-8', bytes) ?? invalid();
    case T.PRINTABLESTRING:
    case T.IA5STRING:
      return bytes.some((b) => b > 0x7f) ? invalid() : bytes.toString('latin1');
    case T.BMPSTRING:
      return (bytes.length % 2 === 0 ? decodeStrictly('utf-16be', bytes) : undefined) ?? invalid();
    default:
      return invalid();
  }
}

/** The text, or undefined when the bytes are not valid in `encoding`. */
function decodeStrictly(encoding: 'utf-8' | 'utf-16be', bytes: Buffer): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function wholeSecond(date: Date, part: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new DeviceCaError('detail.x509DateInvalid', { part });
  const truncated = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = truncated.getUTCFullYear();
  if (year < 1 || year > 9999) throw new DeviceCaError('detail.x509DateRange', { part });
  return truncated;
}

function addDays(from: Date, days: number): Date {
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0) throw new DeviceCaError('detail.x509ValidDays');
  return wholeSecond(new Date(from.getTime() + days * DAY_MS), 'notAfter');
}

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950); seconds, "Z". */
function timeNode(date: Date): Asn1 {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const year = date.getUTCFullYear();
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  if (year >= 1950 && year < 2050) return asn1.create(U, T.UTCTIME, false, `${pad(year % 100)}${rest}`);
  return asn1.create(U, T.GENERALIZEDTIME, false, `${pad(year, 4)}${rest}`);
}

function readTime(node: Asn1 | undefined, part: string): Date {
  if (!node || node.tagClass !== U) throw new DeviceCaError('detail.x509Missing', { part });
  const text = node.type === T.UTCTIME || node.type === T.GENERALIZEDTIME ? nodeBytes(node, part) : undefined;
  const match =
    node.type === T.UTCTIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '') : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!match) throw new DeviceCaError('detail.x509TimeForm', { part });
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = node.type === T.UTCTIME ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  const date = new Date(0);
  date.setUTCFullYear(year, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
    throw new DeviceCaError('detail.x509TimeInvalid', { part });
  }
  return date;
}

/** node 20's X509Certificate.validFrom/validTo strings ("Jan  2 03:04:05 2030 GMT"). */
function x509Date(text: string): Date | undefined {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/* ------------------------------------------------------------------------------------------------ */
/* CA material                                                                                        */
/* ------------------------------------------------------------------------------------------------ */

interface CaView {
  x509: X509Certificate;
  publicKey: KeyObject;
  /** DER of the CA certificate's subject Name, exactly as encoded in the certificate. */
  subject: Buffer;
  /** The CA's subjectKeyIdentifier. */
  ski: Buffer;
  notBefore: Date;
  notAfter: Date;
}

function readCaCert(certPem: string): CaView {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch {
    throw new DeviceCaError('detail.x509CaUnreadable');
  }
  if (!x509.ca) throw new DeviceCaError('detail.x509CaNotCa');
  const raw = x509.raw;
  const { tbs } = splitSigned(raw, 'what.x509CaCertificate');
  const fields = childrenOf(tbs, readTlv(tbs, 0, 'what.x509CaCertificate'), 'what.x509CaCertificate');
  const base = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version present
  const subjectTlv = fields[base + 4];
  if (!subjectTlv || subjectTlv.tag !== 0x30) throw new DeviceCaError('detail.x509CaSubject');
  const subject = Buffer.from(tbs.subarray(subjectTlv.start, subjectTlv.end));
  const extsTlv = fields.find((f) => f.tag === 0xa3);
  if (!extsTlv) throw new DeviceCaError('detail.x509CaNoExtensions');
  const [extsSeq, ...more] = nodeChildren(parseDer(tbs.subarray(extsTlv.start, extsTlv.end), 'what.x509CaExtensions'), 'what.x509CaExtensions');
  if (!extsSeq || more.length > 0) throw new DeviceCaError('detail.x509Extensions', { part: 'what.x509CaCertificate' });
  const skiDer = readExtensions(extsSeq, 'what.x509CaCertificate').get(OID.subjectKeyIdentifier);
  if (!skiDer) throw new DeviceCaError('detail.x509CaNoSki');
  const skiNode = parseDer(skiDer, 'subjectKeyIdentifier');
  if (!isUniversal(skiNode, T.OCTETSTRING)) throw new DeviceCaError('detail.x509CaSki');
  const notBefore = x509Date(x509.validFrom);
  const notAfter = x509Date(x509.validTo);
  if (!notBefore || !notAfter) throw new DeviceCaError('detail.x509CaValidity');
  return { x509, publicKey: x509.publicKey, subject, ski: buf(nodeBytes(skiNode, 'subjectKeyIdentifier')), notBefore, notAfter };
}

/** The CA certificate, checked to belong to the CA private key. */
function readCa(ca: CaMaterial): CaView {
  const view = readCaCert(ca.certPem);
  let fromKey: Buffer;
  try {
    fromKey = spkiDer(createPublicKey(ca.keyPem));
  } catch {
    throw new DeviceCaError('detail.x509CaKeyUnreadable');
  }
  if (!fromKey.equals(spkiDer(view.publicKey))) throw new DeviceCaError('detail.x509CaKeyMismatch');
  return view;
}

/* ------------------------------------------------------------------------------------------------ */
/* Extensions                                                                                         */
/* ------------------------------------------------------------------------------------------------ */

function extensionNode(oid: string, critical: boolean, valueDer: Buffer): Asn1 {
  const parts: Asn1[] = [asn1.create(U, T.OID, false, asn1.oidToDer(oid).getBytes())];
  if (critical) parts.push(asn1.create(U, T.BOOLEAN, false, '\xff'));
  parts.push(asn1.create(U, T.OCTETSTRING, false, bin(valueDer)));
  return asn1.create(U, T.SEQUENCE, true, parts);
}

const KNOWN_EXTENSIONS = new Set<string>([OID.authorityKeyIdentifier, OID.cRLNumber, OID.reasonCode, OID.subjectKeyIdentifier, '2.5.29.19', '2.5.29.15']);

/** Extensions SEQUENCE → OID → extnValue content; refuses duplicates and unknown critical extensions. */
function readExtensions(seq: Asn1, part: string): Map<string, Buffer> {
  if (!isUniversal(seq, T.SEQUENCE)) throw new DeviceCaError('detail.x509Extensions', { part });
  const out = new Map<string, Buffer>();
  for (const ext of nodeChildren(seq, part)) {
    const parts = nodeChildren(ext, part);
    const [oidNode] = parts;
    const critNode = parts.length === 3 ? parts[1] : undefined;
    const valueNode = parts[parts.length - 1];
    if (!oidNode || !valueNode || parts.length < 2 || parts.length > 3 || !isUniversal(oidNode, T.OID) || !isUniversal(valueNode, T.OCTETSTRING)) {
      throw new DeviceCaError('detail.x509Extension', { part });
    }
    if (critNode && !isUniversal(critNode, T.BOOLEAN)) throw new DeviceCaError('detail.x509Extension', { part });
    const oid = asn1.derToOid(nodeBytes(oidNode, part));
    const critical = critNode !== undefined && nodeBytes(critNode, part) !== '\x00';
    if (out.has(oid)) throw new DeviceCaError('detail.x509ExtensionTwice', { part, oid });
    if (critical && !KNOWN_EXTENSIONS.has(oid)) throw new DeviceCaError('detail.x509ExtensionCritical', { part, oid });
    out.set(oid, buf(nodeBytes(valueNode, part)));
  }
  return out;
}

function authorityKeyId(akiDer: Buffer): Buffer | undefined {
  const seq = parseDer(akiDer, 'authorityKeyIdentifier');
  if (!isUniversal(seq, T.SEQUENCE)) return undefined;
  const keyId = nodeChildren(seq, 'authorityKeyIdentifier').find((n) => n.tagClass === CTX && n.type === 0 && !n.constructed);
  return keyId ? buf(nodeBytes(keyId, 'authorityKeyIdentifier')) : undefined;
}

function reasonFromCode(extValue: Buffer): RevocationReason {
  const node = parseDer(extValue, 'reasonCode');
  if (!isUniversal(node, T.ENUMERATED)) throw new DeviceCaError('detail.x509CrlReasonMalformed');
  const code = unsignedFromContent(buf(nodeBytes(node, 'reasonCode')), 'reasonCode');
  const found = (Object.keys(REASON_CODE) as RevocationReason[]).find((reason) => BigInt(REASON_CODE[reason]) === code);
  return found ?? 'unspecified';
}

/* ------------------------------------------------------------------------------------------------ */
/* DER, PEM and signing                                                                               */
/* ------------------------------------------------------------------------------------------------ */

const bin = (bytes: Uint8Array): string => Buffer.from(bytes).toString('binary');
const buf = (bytes: string): Buffer => Buffer.from(bytes, 'binary');
const toDer = (node: Asn1): Buffer => buf(asn1.toDer(node).getBytes());
const spkiDer = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });
const sameBytes = (a: Buffer | undefined, b: Buffer): boolean => a !== undefined && a.equals(b);
const isUniversal = (node: Asn1, type: forge.asn1.Type): boolean => node.tagClass === U && node.type === type;

/** sha256WithRSAEncryption AlgorithmIdentifier, with the NULL parameters RFC 4055 requires. */
const SHA256_RSA_ALG_ID = toDer(
  asn1.create(U, T.SEQUENCE, true, [asn1.create(U, T.OID, false, asn1.oidToDer(OID.sha256WithRsa).getBytes()), asn1.create(U, T.NULL, false, '')]),
);

function parseDer(bytes: Buffer, part: string): Asn1 {
  try {
    const fromDer = asn1.fromDer as unknown as (input: string, options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean }) => Asn1;
    return fromDer(bin(bytes), { strict: true, parseAllBytes: true, decodeBitStrings: false });
  } catch {
    throw new DeviceCaError('detail.x509Der', { part });
  }
}

function nodeChildren(node: Asn1, part: string): Asn1[] {
  if (!Array.isArray(node.value)) throw new DeviceCaError('detail.x509NotConstructed', { part });
  return node.value;
}

function nodeBytes(node: Asn1, part: string): string {
  if (typeof node.value !== 'string') throw new DeviceCaError('detail.x509NotPrimitive', { part });
  return node.value;
}

interface Tlv {
  tag: number;
  start: number;
  body: number;
  end: number;
}

/** One DER TLV at `at` (single-octet tags, definite minimal lengths), bounded by `limit`. */
function readTlv(bytes: Buffer, at: number, part: string, limit = bytes.length): Tlv {
  const bad = (): never => {
    throw new DeviceCaError('detail.x509Der', { part });
  };
  if (at + 2 > limit) bad();
  const tag = bytes[at]!;
  if ((tag & 0x1f) === 0x1f) bad();
  let length = bytes[at + 1]!;
  let body = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || body + count > limit || bytes[body] === 0) bad();
    length = 0;
    for (let k = 0; k < count; k++) length = length * 256 + bytes[body + k]!;
    if (length < 0x80) bad();
    body += count;
  }
  const end = body + length;
  if (end > limit) bad();
  return { tag, start: at, body, end };
}

function childrenOf(bytes: Buffer, parent: Tlv, part: string): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const child = readTlv(bytes, at, part, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING } → the exact TBS bytes, the algorithm and the signature. */
function splitSigned(der: Buffer, part: string): { tbs: Buffer; algId: Buffer; signature: Buffer } {
  const outer = readTlv(der, 0, part);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new DeviceCaError('detail.x509Der', { part });
  const [tbs, alg, sig, ...rest] = childrenOf(der, outer, part);
  if (!tbs || !alg || !sig || rest.length > 0 || tbs.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) throw new DeviceCaError('detail.x509Der', { part });
  const bits = der.subarray(sig.body, sig.end);
  if (bits.length < 2 || bits[0] !== 0) throw new DeviceCaError('detail.x509Signature', { part });
  return { tbs: der.subarray(tbs.start, tbs.end), algId: der.subarray(alg.start, alg.end), signature: bits.subarray(1) };
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  if (n < 0x80) return Buffer.concat([Buffer.from([tag, n]), content]);
  const length: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) length.unshift(rest % 256);
  return Buffer.concat([Buffer.from([tag, 0x80 | length.length, ...length]), content]);
}

/** Sign the exact TBS bytes with node:crypto and wrap them as SEQUENCE { tbs, sha256WithRSA, BIT STRING }. */
function signStructure(tbs: Buffer, privateKeyPem: string): Buffer {
  const signature = sign('sha256', tbs, privateKeyPem);
  return tlv(0x30, Buffer.concat([tbs, SHA256_RSA_ALG_ID, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))]));
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The first PEM block with one of `labels`, decoded; throws DeviceCaError when there is none or it is not base64. */
function fromPem(pem: string, labels: readonly string[]): Buffer {
  if (typeof pem !== 'string') throw new DeviceCaError('detail.x509PemExpected', { label: labels[0]! });
  for (const match of pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/g)) {
    if (!labels.includes(match[1]!)) continue;
    const b64 = match[2]!.replace(/\s+/g, '');
    if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new DeviceCaError('detail.x509PemMalformed', { label: labels[0]! });
    return Buffer.from(b64, 'base64');
  }
  throw new DeviceCaError('detail.x509PemExpected', { label: labels[0]! });
}
