/**
 * What makes a terminal a device: its secret, its checkpoint-signing OpenPGP key and its RSA key
 * with a CSR (made on the terminal), then a certificate from the device CA and the organisation's
 * certification of its signing key (made by an officer at approval).
 */
import { randomBytes } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { DB, DevicesTable } from '../store/schema.js';
import type { PrivateKey } from 'openpgp';
import { Secret } from '../crypto/secret.js';
import { readDeviceKey, writeDeviceKey, type DeviceKey } from '../local/device-file.js';
import { generateKey, signDetached, type GeneratedKey } from '../crypto/pgp.js';
import { createCsr, generateDeviceKey, issueDeviceCertificate, type CaMaterial } from '../crypto/x509.js';
import { deviceRecordText, personKeyRecordText } from '../audit/device-record.js';

export interface DeviceMaterial {
  secret: Secret;
  signing: GeneratedKey;
  rsa: { privatePem: string; publicPem: string };
  csrPem: string;
}

export async function newDeviceMaterial(deviceId: string, login: string, org: string): Promise<DeviceMaterial> {
  const signing = await generateKey(`device ${deviceId}`, `gmv device key of ${login}`);
  const rsa = generateDeviceKey();
  const csrPem = createCsr({ privatePem: rsa.privatePem, publicPem: rsa.publicPem, deviceId, login, org });
  return { secret: new Secret(randomBytes(32)), signing, rsa, csrPem };
}

export interface Certified {
  certPem: string;
  serialHex: string;
  notAfter: Date;
  /** Base64 org-key signature over the canonical device record. */
  certification: string;
}

export async function certifyDevice(opts: {
  vaultId: string; deviceId: string; login: string; signingFingerprint: string; createdAt: string;
  ca: CaMaterial; orgKey: PrivateKey; csrPem: string; now: Date; certificateDays: number;
}): Promise<Certified> {
  const cert = issueDeviceCertificate({ ca: opts.ca, csrPem: opts.csrPem, now: opts.now, validDays: opts.certificateDays });
  const record = deviceRecordText({ vault: opts.vaultId, id: opts.deviceId, person: opts.login, signing_fingerprint: opts.signingFingerprint, created_at: opts.createdAt });
  const signature = await signDetached(Buffer.from(record, 'utf8'), opts.orgKey);
  return { certPem: cert.certPem, serialHex: cert.serialHex, notAfter: cert.notAfter, certification: Buffer.from(signature).toString('base64') };
}

/**
 * The organisation's certification of a person's key, stored with it: with it, the key signs the
 * checkpoints of the changes its holder makes while logged in (see services/vault.ts#commitChange).
 */
export async function certifyPersonKey(trx: Kysely<DB>, vaultId: string, orgKey: PrivateKey, fingerprint: string): Promise<void> {
  const row = await trx.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
    .select(['people.login', 'person_keys.created_at']).where('person_keys.fingerprint', '=', fingerprint).executeTakeFirstOrThrow();
  const record = personKeyRecordText({ vault: vaultId, person: row.login, fingerprint, created_at: row.created_at });
  const signature = await signDetached(Buffer.from(record, 'utf8'), orgKey);
  await trx.updateTable('person_keys').set({ certification: Buffer.from(signature).toString('base64') }).where('fingerprint', '=', fingerprint).execute();
}

/** A device row: the terminal's keys, optionally already certified (init, recovery) or pending with a code. */
export async function insertDevice(trx: Kysely<DB>, device: {
  id: string; personId: number; label: string; material: DeviceMaterial; createdAt: string;
  certified?: Certified & { approvedBy: string }; enrollCodeHash?: string;
}): Promise<void> {
  const row: Insertable<DevicesTable> = {
    id: device.id, person_id: device.personId, label: device.label,
    signing_fingerprint: device.material.signing.fingerprint, signing_public_key: device.material.signing.publicArmored,
    certification: device.certified?.certification ?? '', status: device.certified ? 'active' : 'pending',
    created_at: device.createdAt, revoked_at: null, rsa_public_key: device.material.rsa.publicPem, csr: device.material.csrPem,
    cert_pem: device.certified?.certPem ?? null, cert_serial: device.certified?.serialHex ?? null,
    cert_not_after: device.certified?.notAfter.toISOString() ?? null, enroll_code_hash: device.enrollCodeHash ?? null,
    approved_by: device.certified?.approvedBy ?? null, approved_at: device.certified ? device.createdAt : null, revoke_reason: null,
  };
  await trx.insertInto('devices').values(row).execute();
}

/** Save this terminal's device key for the vault (0600 in a 0700 folder); returns its path. */
/**
 * The device file `person` has on this terminal (`existing`: theirs, or the terminal's first when
 * its device row is theirs or unknown) and, when the terminal's first file is another person's
 * (two people sharing one OS account), `ownFile`: the login a file of their own is written under.
 */
export async function terminalFileFor(db: Kysely<DB>, devicesDir: string, vaultId: string, person: { id: number; login: string }): Promise<{ existing: DeviceKey | null; ownFile?: string }> {
  const found = readDeviceKey(devicesDir, vaultId, person.login);
  if (!found) return { existing: null };
  const row = await db.selectFrom('devices').select('person_id').where('id', '=', found.deviceId).executeTakeFirst();
  return row && Number(row.person_id) !== person.id ? { existing: null, ownFile: person.login } : { existing: found };
}

/** `ownFile`: the person's own file, on a terminal whose first file is someone else's (device-file.ts). */
export function saveDeviceFile(devicesDir: string, vaultId: string, deviceId: string, material: DeviceMaterial, caFingerprint: string, enrollCode?: string, ownFile?: string): string {
  return writeDeviceKey(devicesDir, {
    vaultId, deviceId, secret: material.secret, signingKey: Secret.fromString(material.signing.privateArmored),
    rsaKey: Secret.fromString(material.rsa.privatePem), caFingerprint, enrollCode,
  }, ownFile);
}
