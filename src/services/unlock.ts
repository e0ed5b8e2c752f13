/**
 * Unlocking a person on this terminal: their private key opens only with their passphrase combined
 * with this device's secret. A failure is recorded (signed by the device key) before it is reported.
 */
import type { PrivateKey } from 'openpgp';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { bindToDevice, deriveKey, type KdfParams } from '../crypto/kdf.js';
import { open, parseEnvelope, EnvelopeError } from '../crypto/envelope.js';
import { decryptWith, readPrivate, fingerprintOf } from '../crypto/pgp.js';
import { Actions } from '../audit/entry.js';
import type { Role } from '../domain/names.js';
import { recordDenial, terminalDevice, type Vault } from './vault.js';

export interface UnlockedPerson {
  personId: number;
  login: string;
  roles: Role[];
  key: PrivateKey;
  deviceId: string;
}

export async function unlockPerson(vault: Vault, login: string, passphrase: Secret): Promise<UnlockedPerson> {
  const device = terminalDevice(vault);
  if (!device) throw new GmvError('DEVICE_KEY_MISSING', { vault: vault.vaultId, path: vault.paths.devicesDir });
  const db = vault.store.db;
  const person = await db.selectFrom('people').select(['id', 'login', 'roles', 'status']).where('login', '=', login).executeTakeFirst();
  const lock = person && await db.selectFrom('person_key_locks')
    .innerJoin('person_keys', 'person_keys.fingerprint', 'person_key_locks.key_fingerprint')
    .select(['person_key_locks.envelope', 'person_keys.fingerprint'])
    .where('person_key_locks.person_id', '=', Number(person.id))
    .where('person_key_locks.device_id', '=', device.deviceId)
    .where('person_keys.retired_at', 'is', null)
    .executeTakeFirst();

  const fail = async (reason: string): Promise<never> => {
    await recordDenial(vault, { action: Actions.authFailed, actor: login, subject: login, outcome: 'denied', details: { reason } });
    throw new GmvError('AUTH_FAILED', { login });
  };
  if (!person || person.status !== 'active') return fail(person ? 'person not active' : 'unknown login');
  if (!lock) return fail('not enrolled on this device');

  try {
    const envelope = parseEnvelope(lock.envelope);
    const header = envelope.header as { person?: string; device?: string; fingerprint?: string; kdf?: KdfParams };
    if (header.person !== login || header.device !== device.deviceId || header.fingerprint !== lock.fingerprint || !header.kdf) {
      return fail('key lock bound to another person or device');
    }
    const passKey = await deriveKey(passphrase, header.kdf);
    const lockKey = bindToDevice(passKey, device.secret.reveal(), `person-key/${device.deviceId}`);
    passKey.fill(0);
    const armored = open(lockKey, envelope);
    lockKey.fill(0);
    const key = await readPrivate(armored.toString('utf8'));
    armored.fill(0);
    if (fingerprintOf(key) !== lock.fingerprint) return fail('key does not match its record');
    return { personId: Number(person.id), login, roles: JSON.parse(person.roles) as Role[], key, deviceId: device.deviceId };
  } catch (error) {
    if (error instanceof EnvelopeError) return fail('wrong passphrase or device');
    throw error;
  }
}

/** The organisation's private key, for people it was wrapped for (security officers). */
export async function unlockOrgKey(vault: Vault, person: UnlockedPerson): Promise<PrivateKey> {
  const db = vault.store.db;
  const wrap = await db.selectFrom('key_wraps')
    .innerJoin('org_keys', 'org_keys.fingerprint', 'key_wraps.item_id')
    .select(['key_wraps.wrapped', 'org_keys.private_envelope', 'org_keys.fingerprint'])
    .where('key_wraps.item_kind', '=', 'org-key')
    .where('key_wraps.person_id', '=', person.personId)
    .where('key_wraps.key_fingerprint', '=', fingerprintOf(person.key))
    .orderBy('org_keys.created_at', 'desc')
    .executeTakeFirst();
  if (!wrap) {
    await recordDenial(vault, { action: 'org.key.use', actor: person.login, subject: null, outcome: 'denied', details: { reason: 'no org-key wrap for this person' } });
    throw new GmvError('DENIED_ROLE', { action: 'signing with the organisation key', role: 'security-officer', login: person.login });
  }
  const dataKey = Buffer.from(await decryptWith(Buffer.from(wrap.wrapped, 'base64'), person.key));
  try {
    const armored = open(dataKey, parseEnvelope(wrap.private_envelope));
    const key = await readPrivate(armored.toString('utf8'));
    armored.fill(0);
    if (fingerprintOf(key) !== wrap.fingerprint) throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyMismatch' });
    return key;
  } finally {
    dataKey.fill(0);
  }
}

/** The single place roles are checked for now; denials are audited. */
export async function requireRole(vault: Vault, person: UnlockedPerson, role: Role, action: string, subject: string | null): Promise<void> {
  if (person.roles.includes(role)) return;
  await recordDenial(vault, { action, actor: person.login, subject, outcome: 'denied', details: { reason: `missing role ${role}` } });
  throw new GmvError('DENIED_ROLE', { action, role, login: person.login });
}
