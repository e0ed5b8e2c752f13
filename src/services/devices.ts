/**
 * Terminals (Art. 25: terminals under control). A person's terminal enrolls itself (device key,
 * CSR, and on a first enrollment the person's key pair), an officer approves it by its code (device
 * CA certificate + organisation certification), and may revoke it (new CRL at once).
 */
import { randomUUID } from 'node:crypto';
import { GmvError } from '../errors.js';
import { statusKey } from '../i18n/catalogue.js';
import { isDisplayName } from '../domain/names.js';
import { rolesOf } from '../store/people.js';
import type { Secret } from '../crypto/secret.js';
import { encryptTo, fingerprintOf, generateKey, readPublic } from '../crypto/pgp.js';
import { certFingerprint, readCsr } from '../crypto/x509.js';
import { newEnrollCode, normalizeEnrollCode, enrollCodeHash } from '../domain/enroll-code.js';
import { forgetDeviceKey, readDeviceKey, readOwnDeviceKey, removeDeviceKey, type DeviceKey } from '../local/device-file.js';
import { authorize, refuse, sealContext, type Actor } from './access.js';
import { currentCaRow, sealPersonKey, type KeyHolder } from './keys.js';
import { caFor, orgKeyFor, wrapOfficerKeys } from './officer-keys.js';
import { keySigner } from '../audit/log.js';
import { certifiedKey, checkSealedPeople, PERSON_KEY_COLUMNS, sealPeople } from './state-seals.js';
import { newDeviceMaterial, certifyDevice, certifyPersonKey, insertDevice, saveDeviceFile, terminalFileFor } from './device-provision.js';
import { enforcePassphrase } from './init.js';
import { activePolicy, commitChange, type Vault } from './vault.js';
import { issueCrl, revokeDeviceStep } from './steps.js';

export interface EnrollResult {
  code: string;
  deviceId: string;
  login: string;
  newPersonKey: boolean;
  deviceFile: string;
}

/** On the person's own terminal: make this terminal's keys and a pending device with a code. */
export async function enrollDevice(vault: Vault, input: { login: string; passphrase: () => Promise<Secret>; label?: string; commonPasswords: ReadonlySet<string> }): Promise<EnrollResult> {
  if (input.label !== undefined && !isDisplayName(input.label)) throw new GmvError('INVALID_INPUT', { what: 'what.deviceLabel', detail: 'detail.emptyPaddedControls' });
  const db = vault.store.db;
  const person = await db.selectFrom('people').select(['id', 'login', 'name', 'status']).where('login', '=', input.login).executeTakeFirst();
  // A terminal whose first file is another person's (two people share this OS account) gives this one a file of their own.
  const { existing, ownFile } = person ? await terminalFileFor(db, vault.paths.devicesDir, vault.vaultId, { id: Number(person.id), login: input.login })
    : { existing: readDeviceKey(vault.paths.devicesDir, vault.vaultId), ownFile: undefined };
  if (existing) {
    const row = await db.selectFrom('devices').select('status').where('id', '=', existing.deviceId).executeTakeFirst();
    const status = row?.status ?? 'unknown';
    const next = status === 'pending' ? 'detail.enrollPending' : status === 'active' ? 'detail.enrollActive' : 'detail.enrollStartOver';
    throw new GmvError('DEVICE_ALREADY_ENROLLED', { device: existing.deviceId, status, next });
  }
  if (!person) throw new GmvError('PERSON_NOT_FOUND', { login: input.login });
  if (person.status === 'departed') {
    return refuse(vault, { login: input.login }, { action: 'device.enroll', subject: input.login, rule: 'subject-status', reason: 'person departed', code: 'DENIED_STATUS', params: { login: input.login, status: statusKey('person', person.status), action: 'what.deviceEnrollment' } });
  }
  const activeKey = await db.selectFrom('person_keys').select('fingerprint').where('person_id', '=', Number(person.id)).where('status', '=', 'active').executeTakeFirst();
  if (activeKey) return enrollAdditionalDevice(vault, { id: Number(person.id), login: input.login }, input.label, ownFile);
  const passphrase = await input.passphrase();
  const policy = await activePolicy(db);
  enforcePassphrase(passphrase, input.login, policy, input.commonPasswords);

  const org = await db.selectFrom('org').select('name').executeTakeFirstOrThrow();
  const ca = await currentCaRow(db);
  const deviceId = randomUUID();
  const code = newEnrollCode();
  const [material, personKey] = await Promise.all([
    newDeviceMaterial(deviceId, input.login, org.name),
    generateKey(person.name, `gmv person ${input.login}`),
  ]);
  const lock = await sealPersonKey(personKey.privateArmored, passphrase, material.secret.reveal(), { login: input.login, fingerprint: personKey.fingerprint, deviceId }, policy.passphrase.kdf);
  const deviceFile = saveDeviceFile(vault.paths.devicesDir, vault.vaultId, deviceId, material, certFingerprint(ca.cert_pem), code, ownFile);
  try {
    await commitChange(vault, async (trx) => {
      const at = vault.now().toISOString();
      await insertDevice(trx, { id: deviceId, personId: Number(person.id), label: input.label ?? `${input.login} terminal`, material, createdAt: at, enrollCodeHash: enrollCodeHash(code) });
      await trx.insertInto('person_keys').values({ fingerprint: personKey.fingerprint, person_id: Number(person.id), public_key: personKey.publicArmored, created_at: at, retired_at: null, status: 'pending' }).execute();
      await trx.insertInto('person_key_locks').values({ person_id: Number(person.id), key_fingerprint: personKey.fingerprint, device_id: deviceId, envelope: JSON.stringify(lock), created_at: at }).execute();
      // Not yet authenticated: the entry is signed by the next approved writer's checkpoint.
      return { result: undefined, audit: [{ action: 'device.enroll', actor: input.login, subject: deviceId, outcome: 'ok', details: { person_key: personKey.fingerprint, signing_key: material.signing.fingerprint, authenticated: false } }] };
    });
  } catch (error) {
    removeDeviceKey(vault.paths.devicesDir, vault.vaultId, ownFile);
    throw error;
  }
  return { code, deviceId, login: input.login, newPersonKey: true, deviceFile };
}

/**
 * A person who already has a key enrolls another terminal: no new key pair; after approval, they
 * run `gmv device add-key ID` on a terminal where they can unlock, which encrypts their key to this
 * terminal's OpenPGP key; this terminal's first login seals it under the passphrase and its secret.
 */
async function enrollAdditionalDevice(vault: Vault, person: { id: number; login: string }, label?: string, ownFile?: string): Promise<EnrollResult> {
  const db = vault.store.db;
  const org = await db.selectFrom('org').select('name').executeTakeFirstOrThrow();
  const ca = await currentCaRow(db);
  const deviceId = randomUUID();
  const code = newEnrollCode();
  const material = await newDeviceMaterial(deviceId, person.login, org.name);
  const deviceFile = saveDeviceFile(vault.paths.devicesDir, vault.vaultId, deviceId, material, certFingerprint(ca.cert_pem), code, ownFile);
  try {
    await commitChange(vault, async (trx) => {
      await insertDevice(trx, { id: deviceId, personId: person.id, label: label ?? `${person.login} terminal`, material, createdAt: vault.now().toISOString(), enrollCodeHash: enrollCodeHash(code) });
      return { result: undefined, audit: [{ action: 'device.enroll', actor: person.login, subject: deviceId, outcome: 'ok', details: { additional: true, signing_key: material.signing.fingerprint, authenticated: false } }] };
    });
  } catch (error) {
    removeDeviceKey(vault.paths.devicesDir, vault.vaultId, ownFile);
    throw error;
  }
  return { code, deviceId, login: person.login, newPersonKey: false, deviceFile };
}

/** On a terminal where the person can unlock: hand their key to their newly approved terminal. */
export async function addKeyToDevice(vault: Vault, person: { personId: number; login: string; key: import('openpgp').PrivateKey; keyFingerprint: string }, deviceId: string): Promise<{ deviceId: string }> {
  const db = vault.store.db;
  const device = await db.selectFrom('devices').select(['id', 'person_id', 'status', 'signing_public_key', 'signing_fingerprint']).where('id', '=', deviceId).executeTakeFirst();
  if (!device) throw new GmvError('DEVICE_NOT_FOUND', { device: deviceId });
  if (Number(device.person_id) !== person.personId) {
    return refuse(vault, { login: person.login }, { action: 'device.add-key', subject: deviceId, rule: 'device-owner', reason: 'terminal of another person', code: 'DENIED_ROLE', params: { action: 'device.add-key', role: `owner of ${deviceId}`, login: person.login } });
  }
  if (device.status !== 'active') throw new GmvError('DEVICE_NOT_AUTHORIZED', { device: deviceId, reason: device.status === 'pending' ? 'detail.deviceNotApproved' : 'detail.deviceStatus', status: statusKey('device', device.status) });
  const tampered = new GmvError('DEVICE_SIGNING_KEY_TAMPERED', { device: deviceId, fingerprint: device.signing_fingerprint });
  const recipient = await readPublic(device.signing_public_key).catch((error: unknown) => {
    throw new GmvError(tampered.code, tampered.params, { cause: error });
  });
  if (fingerprintOf(recipient) !== device.signing_fingerprint) throw tampered;
  const ciphertext = Buffer.from(await encryptTo(Buffer.from(person.key.armor(), 'utf8'), [recipient])).toString('base64');
  await commitChange(vault, async (trx) => {
    await trx.deleteFrom('key_transfers').where('device_id', '=', deviceId).execute();
    await trx.insertInto('key_transfers').values({ device_id: deviceId, person_id: person.personId, key_fingerprint: person.keyFingerprint, ciphertext, created_at: vault.now().toISOString() }).execute();
    return { result: undefined, audit: [{ action: 'device.add-key', actor: person.login, subject: deviceId, outcome: 'ok', details: { key: person.keyFingerprint } }] };
  });
  return { deviceId };
}

export interface ApproveResult {
  deviceId: string;
  login: string;
  certSerial: string;
  certNotAfter: string;
}

/** An officer approves a pending enrollment by the code the person read out. */
export async function approveDevice(vault: Vault, officer: KeyHolder, typedCode: string): Promise<ApproveResult> {
  const code = normalizeEnrollCode(typedCode);
  if (!code) throw new GmvError('USAGE', { detail: 'detail.enrollCodeForm', code: typedCode });
  const db = vault.store.db;
  const device = await db.selectFrom('devices').innerJoin('people', 'people.id', 'devices.person_id')
    .select(['devices.id', 'devices.csr', 'devices.created_at', 'devices.signing_fingerprint', 'devices.status', 'people.id as person_id', 'people.login', 'people.status as person_status'])
    .where('devices.enroll_code_hash', '=', enrollCodeHash(code)).executeTakeFirst();
  await authorize(vault, officer, 'device.approve', device?.id ?? code);
  if (!device || device.status !== 'pending') throw new GmvError('DEVICE_CODE_UNKNOWN', { code });
  if (device.person_status === 'departed') {
    return refuse(vault, officer, { action: 'device.approve', subject: device.id, rule: 'subject-status', reason: `${device.login} departed`, code: 'DENIED_STATUS', params: { login: device.login, status: 'status.person.departed', action: 'what.deviceApproval' } });
  }
  const csr = readCsr(device.csr ?? '');
  if (csr.deviceId !== device.id || csr.login !== device.login) {
    throw new GmvError('INVALID_INPUT', { what: 'what.certificateRequest', detail: 'detail.csrMismatch' });
  }
  const policy = await activePolicy(db);
  const [ca, orgKey] = await Promise.all([caFor(vault, officer), orgKeyFor(vault, officer)]);
  await checkSealedPeople(db, sealContext(vault), [Number(device.person_id)], false);
  const certified = await certifyDevice({
    vaultId: vault.vaultId, deviceId: device.id, login: device.login, signingFingerprint: device.signing_fingerprint,
    createdAt: device.created_at, ca, orgKey, csrPem: device.csr!, now: vault.now(), certificateDays: policy.devices.certificateDays,
  });
  await commitChange(vault, async (trx) => {
    const at = vault.now().toISOString();
    await trx.updateTable('devices').set({
      status: 'active', certification: certified.certification, cert_pem: certified.certPem, cert_serial: certified.serialHex,
      cert_not_after: certified.notAfter.toISOString(), enroll_code_hash: null, approved_by: officer.login, approved_at: at,
    }).where('id', '=', device.id).execute();
    const pendingKey = await trx.selectFrom('person_key_locks').innerJoin('person_keys', 'person_keys.fingerprint', 'person_key_locks.key_fingerprint')
      .select('person_keys.fingerprint').where('person_key_locks.device_id', '=', device.id).where('person_keys.status', '=', 'pending').executeTakeFirst();
    if (pendingKey) {
      // Other pending keys of this person (abandoned enrollments) can never become active now.
      await trx.updateTable('person_keys').set({ status: 'retired', retired_at: at })
        .where('person_id', '=', Number(device.person_id)).where('status', '=', 'pending').where('fingerprint', '!=', pendingKey.fingerprint).execute();
      await trx.updateTable('person_keys').set({ status: 'active' }).where('fingerprint', '=', pendingKey.fingerprint).execute();
      await certifyPersonKey(trx, vault.vaultId, orgKey, pendingKey.fingerprint);
    }
    await trx.updateTable('people').set({ status: 'active' }).where('id', '=', Number(device.person_id)).where('status', '=', 'onboarding').execute();
    await sealPeople(trx, vault.vaultId, keySigner(orgKey), [Number(device.person_id)], at);
    // A security officer's first key receives the organisation and device-CA keys.
    let officerKeys = 0;
    const roles = await rolesOf(trx, Number(device.person_id));
    if (pendingKey && roles.includes('security-officer')) {
      // What the organisation key is wrapped for is the key just certified, as the door reads it (its fingerprint, its bound subkey).
      const row = await trx.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id').select(PERSON_KEY_COLUMNS)
        .where('person_keys.fingerprint', '=', pendingKey.fingerprint).executeTakeFirstOrThrow();
      officerKeys = await wrapOfficerKeys(trx, vault, officer, await certifiedKey(trx, sealContext(vault), row));
    }
    return { result: undefined, audit: [{ action: 'device.approve', actor: officer.login, subject: device.id, outcome: 'ok',
      details: { person: device.login, cert_serial: certified.serialHex, person_key: pendingKey?.fingerprint ?? null, officer_keys_wrapped: officerKeys } }] };
  }, { by: officer });
  return { deviceId: device.id, login: device.login, certSerial: certified.serialHex, certNotAfter: certified.notAfter.toISOString() };
}

/** Revoke a device: it can no longer unlock or sign, and a new CRL lists its certificate. */
export async function revokeDevice(vault: Vault, officer: KeyHolder, deviceId: string, reason: string): Promise<{ deviceId: string; crlNumber: number }> {
  if (!isDisplayName(reason)) throw new GmvError('INVALID_INPUT', { what: 'what.reason', detail: 'detail.emptyPaddedControls' });
  const db = vault.store.db;
  await authorize(vault, officer, 'device.revoke', deviceId);
  const device = await db.selectFrom('devices').select(['id', 'status', 'person_id']).where('id', '=', deviceId).executeTakeFirst();
  if (!device) throw new GmvError('DEVICE_NOT_FOUND', { device: deviceId });
  if (device.status === 'revoked') throw new GmvError('INVALID_INPUT', { what: 'what.device', detail: 'detail.deviceRevoked', device: deviceId });
  const policy = await activePolicy(db);
  const ca = await caFor(vault, officer);
  return commitChange(vault, async (trx) => {
    const ctx = { trx, at: vault.now(), actor: officer.login, policy };
    const revoked = await revokeDeviceStep(ctx, deviceId, reason);
    const crlNumber = await issueCrl(ctx, ca);
    return { result: { deviceId, crlNumber }, audit: revoked.audit.map((e) => ({ ...e, details: { ...e.details, crl_number: crlNumber } })) };
  }, { by: officer });
}

export interface DeviceView {
  id: string;
  login: string | null;
  label: string;
  status: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  certSerial: string | null;
  certNotAfter: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
  thisTerminal: boolean;
}

export async function listDevices(vault: Vault, filter: { login?: string } = {}): Promise<DeviceView[]> {
  let q = vault.store.db.selectFrom('devices').leftJoin('people', 'people.id', 'devices.person_id')
    .select(['devices.id', 'people.login', 'devices.label', 'devices.status', 'devices.created_at', 'devices.approved_by', 'devices.approved_at',
      'devices.cert_serial', 'devices.cert_not_after', 'devices.revoked_at', 'devices.revoke_reason']);
  if (filter.login) q = q.where('people.login', '=', filter.login);
  const here = keysHere(vault);
  return (await q.orderBy('devices.created_at').execute()).map((d) => ({
    id: d.id, login: d.login ?? null, label: d.label, status: d.status, createdAt: d.created_at, approvedBy: d.approved_by, approvedAt: d.approved_at,
    certSerial: d.cert_serial, certNotAfter: d.cert_not_after, revokedAt: d.revoked_at, revokeReason: d.revoke_reason, thisTerminal: here({ id: d.id, login: d.login ?? null }) !== null,
  }));
}

/**
 * The key this terminal holds for a device, or null: the terminal's first file, or the device's
 * person's own beside it (people sharing one OS account, local/device-file.ts). Each file is read once.
 */
function keysHere(vault: Vault): (device: { id: string; login: string | null }) => DeviceKey | null {
  const first = readDeviceKey(vault.paths.devicesDir, vault.vaultId);
  const own = new Map<string, DeviceKey | null>();
  return (device) => {
    if (first?.deviceId === device.id) return first;
    if (device.login === null) return null;
    if (!own.has(device.login)) own.set(device.login, readOwnDeviceKey(vault.paths.devicesDir, vault.vaultId, device.login));
    const key = own.get(device.login)!;
    return key?.deviceId === device.id ? key : null;
  };
}

export async function deviceCaPem(vault: Vault): Promise<string> {
  return (await currentCaRow(vault.store.db)).cert_pem;
}

export async function deviceCertPem(vault: Vault, deviceId: string): Promise<string> {
  const row = await vault.store.db.selectFrom('devices').select(['cert_pem']).where('id', '=', deviceId).executeTakeFirst();
  if (!row) throw new GmvError('DEVICE_NOT_FOUND', { device: deviceId });
  if (!row.cert_pem) throw new GmvError('INVALID_INPUT', { what: 'what.device', detail: 'detail.deviceNoCertificate', device: deviceId });
  return row.cert_pem;
}

/** The latest CRL; an officer's session re-issues it first when it has passed its nextUpdate. */
export async function currentCrl(vault: Vault, officer: KeyHolder | null): Promise<{ pem: string; crlNumber: number; nextUpdate: string; stale: boolean }> {
  const db = vault.store.db;
  const row = await db.selectFrom('crls').selectAll().orderBy('crl_number', 'desc').executeTakeFirstOrThrow();
  const stale = new Date(row.next_update) <= vault.now();
  if (!stale || !officer) return { pem: row.pem, crlNumber: Number(row.crl_number), nextUpdate: row.next_update, stale };
  await authorize(vault, officer, 'device.revoke', 'crl');
  const policy = await activePolicy(db);
  const ca = await caFor(vault, officer);
  const crlNumber = await commitChange(vault, async (trx) => {
    const n = await issueCrl({ trx, at: vault.now(), actor: officer.login, policy }, ca);
    return { result: n, audit: [{ action: 'device.crl.issue', actor: officer.login, subject: null, outcome: 'ok', details: { crl_number: n } }] };
  }, { by: officer });
  const fresh = await db.selectFrom('crls').selectAll().where('crl_number', '=', crlNumber).executeTakeFirstOrThrow();
  return { pem: fresh.pem, crlNumber, nextUpdate: fresh.next_update, stale: false };
}

export type { Actor };

/**
 * A pending enrollment code of this terminal, shown again (`gmv device enroll --show-code`), with
 * whose it is. With `login`, that person's device here (their own file, or the terminal's first when
 * it is theirs), never another's; without, the one enrollment waiting here, refused when several
 * people's wait, else as the terminal's first file stands.
 */
export async function pendingEnrollment(vault: Vault, login?: string): Promise<{ deviceId: string; login: string; code: string }> {
  const db = vault.store.db;
  const owner = (id: string) => db.selectFrom('devices').innerJoin('people', 'people.id', 'devices.person_id').select(['devices.status', 'people.login']).where('devices.id', '=', id).executeTakeFirst();
  const shown = (key: DeviceKey, who: string) => {
    if (!key.enrollCode) throw new GmvError('DEVICE_CODE_LOST', { device: key.deviceId });
    return { deviceId: key.deviceId, login: who, code: key.enrollCode };
  };
  if (login !== undefined) {
    const key = readDeviceKey(vault.paths.devicesDir, vault.vaultId, login);
    const row = key ? await owner(key.deviceId) : undefined;
    if (!key || (row && row.login !== login)) throw new GmvError('DEVICE_NOT_HERE', { login, vault: vault.vaultId });
    if (row?.status !== 'pending') throw new GmvError('DEVICE_NOT_PENDING', { device: key.deviceId, status: statusKey('device', row?.status ?? 'unknown') });
    return shown(key, login);
  }
  const here = keysHere(vault);
  const waiting = (await db.selectFrom('devices').innerJoin('people', 'people.id', 'devices.person_id').select(['devices.id', 'people.login'])
    .where('devices.status', '=', 'pending').orderBy('devices.created_at').execute())
    .flatMap((d) => {
      const key = here(d);
      return key ? [{ key, login: d.login }] : [];
    });
  if (waiting.length > 1) throw new GmvError('DEVICE_PENDING_SEVERAL', { logins: waiting.map((w) => w.login).join(', ') });
  if (waiting.length === 1) return shown(waiting[0]!.key, waiting[0]!.login);
  const first = readDeviceKey(vault.paths.devicesDir, vault.vaultId);
  if (!first) throw new GmvError('DEVICE_KEY_MISSING', { vault: vault.vaultId, path: vault.paths.devicesDir });
  throw new GmvError('DEVICE_NOT_PENDING', { device: first.deviceId, status: (await owner(first.deviceId))?.status ?? 'unknown' });
}

/** An officer turns down a pending enrollment by its code: the terminal can never be approved with it. */
export async function rejectDevice(vault: Vault, officer: KeyHolder, typedCode: string): Promise<{ deviceId: string; login: string }> {
  const code = normalizeEnrollCode(typedCode);
  if (!code) throw new GmvError('USAGE', { detail: 'detail.enrollCodeForm', code: typedCode });
  const device = await vault.store.db.selectFrom('devices').innerJoin('people', 'people.id', 'devices.person_id')
    .select(['devices.id', 'devices.status', 'people.login']).where('devices.enroll_code_hash', '=', enrollCodeHash(code)).executeTakeFirst();
  await authorize(vault, officer, 'device.reject', device?.id ?? code);
  if (!device) throw new GmvError('DEVICE_CODE_UNKNOWN', { code });
  if (device.status !== 'pending') throw new GmvError('DEVICE_NOT_PENDING', { device: device.id, status: statusKey('device', device.status) });
  await commitChange(vault, async (trx) => {
    const changed = await trx.updateTable('devices').set({ status: 'rejected' }).where('id', '=', device.id).where('status', '=', 'pending').executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw new GmvError('DEVICE_NOT_PENDING', { device: device.id, status: 'detail.changedMeanwhile' });
    await trx.updateTable('person_keys').set({ status: 'rejected' }).where('status', '=', 'pending')
      .where('fingerprint', 'in', trx.selectFrom('person_key_locks').select('key_fingerprint').where('device_id', '=', device.id)).execute();
    return { result: undefined, audit: [{ action: 'device.reject', actor: officer.login, subject: device.id, outcome: 'ok', details: { person: device.login } }] };
  }, { by: officer });
  return { deviceId: device.id, login: device.login };
}

/**
 * On a terminal whose device was revoked or rejected (or never reached this vault): drop its local
 * key so the person can enroll again. An authorized terminal is refused (forgetting would lock its
 * person out of it; an officer revokes it first); a pending one is withdrawn, audited.
 */
export async function forgetDevice(vault: Vault, login?: string): Promise<{ deviceId: string; status: string }> {
  const local = readDeviceKey(vault.paths.devicesDir, vault.vaultId, login);
  if (!local) throw new GmvError('DEVICE_KEY_MISSING', { vault: vault.vaultId, path: vault.paths.devicesDir });
  const row = await vault.store.db.selectFrom('devices').innerJoin('people', 'people.id', 'devices.person_id')
    .select(['devices.status', 'people.login']).where('devices.id', '=', local.deviceId).executeTakeFirst();
  // On an OS account two people share, the file found for --login may be the terminal's first,
  // another person's: their enrollment is not this person's to withdraw.
  if (login !== undefined && row && row.login !== login) throw new GmvError('DEVICE_NOT_HERE', { login, vault: vault.vaultId });
  const status = row?.status ?? 'unknown';
  if (status === 'active') throw new GmvError('DEVICE_STILL_ACTIVE', { device: local.deviceId });
  if (status === 'pending') {
    await commitChange(vault, async (trx) => {
      await trx.updateTable('devices').set({ status: 'rejected' }).where('id', '=', local.deviceId).where('status', '=', 'pending').execute();
      await trx.updateTable('person_keys').set({ status: 'rejected' }).where('status', '=', 'pending')
        .where('fingerprint', 'in', trx.selectFrom('person_key_locks').select('key_fingerprint').where('device_id', '=', local.deviceId)).execute();
      // Not authenticated, like the enrollment it withdraws.
      return { result: undefined, audit: [{ action: 'device.forget', actor: row!.login, subject: local.deviceId, outcome: 'ok', details: { was: 'pending', authenticated: false } }] };
    });
  }
  forgetDeviceKey(local);
  return { deviceId: local.deviceId, status };
}
