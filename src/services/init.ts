/**
 * gmv init: a new vault with its organisation, first unit and first security officer, the
 * organisation's OpenPGP key, the officer's personal key and this terminal's device key.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { openStore, writeTransaction, type StoreTarget } from '../store/store.js';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { Secret as SecretValue } from '../crypto/secret.js';
import { generateKey, readPrivate, readPublic, signDetached, encryptTo } from '../crypto/pgp.js';
import { bindToDevice, deriveKey, newKdfParams, sha256Hex } from '../crypto/kdf.js';
import { seal } from '../crypto/envelope.js';
import { parsePolicy } from '../policy/policy.js';
import { checkPassphrase } from '../policy/passphrase-rules.js';
import { isDisplayName, isLoginHandle } from '../domain/names.js';
import { deviceRecordText } from '../audit/device-record.js';
import { appendAudit, writeCheckpoint } from '../audit/log.js';
import { Actions } from '../audit/entry.js';
import { writeDeviceKey, deviceFilePath } from '../local/device-file.js';
import type { LocalPaths } from '../local/paths.js';

export interface InitOptions {
  target: StoreTarget;
  paths: LocalPaths;
  org: string;
  unit: string;
  officerName: string;
  login: string;
  passphrase: Secret;
  policy: { text: string; source: string };
  commonPasswords: ReadonlySet<string>;
  now?: () => Date;
}

export interface InitResult {
  vaultId: string;
  location: string;
  org: string;
  unit: string;
  login: string;
  orgFingerprint: string;
  officerFingerprint: string;
  deviceId: string;
  deviceFile: string;
}

export async function initVault(options: InitOptions): Promise<InitResult> {
  const now = options.now ?? (() => new Date());
  for (const [what, value] of [['organisation name', options.org], ['unit name', options.unit], ['officer name', options.officerName]] as const) {
    if (!isDisplayName(value)) throw new GmvError('INVALID_INPUT', { what, detail: 'empty, padded with spaces or holding control characters' });
  }
  if (!isLoginHandle(options.login)) {
    throw new GmvError('INVALID_INPUT', { what: 'login handle', detail: `"${options.login}" must be lowercase letters and digits joined by . _ or - (like zhang.wei)` });
  }
  const policy = await parsePolicy(options.policy.text, options.policy.source);
  const verdict = checkPassphrase(options.passphrase, options.login, policy.passphrase.minLength, options.commonPasswords);
  if (!verdict.ok) {
    const reason = verdict.reason === 'too-short' ? `shorter than ${verdict.minLength} characters`
      : verdict.reason === 'common' ? 'it is on the list of common passwords' : 'it equals the login handle';
    throw new GmvError('PASSPHRASE_WEAK', { reason });
  }

  const sqlitePath = options.target.kind === 'sqlite' ? options.target.path : null;
  const existedBefore = sqlitePath !== null && existsSync(sqlitePath);
  let store;
  try {
    store = await openStore(options.target, { mode: 'create' });
  } catch (error) {
    if (sqlitePath && !existedBefore) removeSqliteFiles(sqlitePath);
    throw error;
  }
  let deviceFile: string | undefined;
  let committed = false;
  try {
    const vaultId = randomUUID();
    const deviceId = randomUUID();
    const createdAt = now().toISOString();
    const [orgKey, officerKey, deviceSigning] = await Promise.all([
      generateKey(options.org, 'gmv organisation key'),
      generateKey(options.officerName, `gmv person ${options.login}`),
      generateKey(`device ${deviceId}`, 'gmv device key'),
    ]);
    const orgPrivate = await readPrivate(orgKey.privateArmored);
    const officerPublic = await readPublic(officerKey.publicArmored);

    // The org private key is sealed under a data key that only officers can unwrap.
    const orgDataKey = randomBytes(32);
    const orgEnvelope = seal(orgDataKey, Buffer.from(orgKey.privateArmored, 'utf8'), { purpose: 'org-key', fingerprint: orgKey.fingerprint });
    const orgWrap = await encryptTo(orgDataKey, [officerPublic]);
    orgDataKey.fill(0);

    // The officer's key opens only with the passphrase on this device.
    const deviceSecret = new SecretValue(randomBytes(32));
    const kdf = newKdfParams(policy.passphrase.kdf);
    const lockHeader = { purpose: 'person-key', person: options.login, fingerprint: officerKey.fingerprint, device: deviceId, kdf };
    const passKey = await deriveKey(options.passphrase, kdf);
    const lockKey = bindToDevice(passKey, deviceSecret.reveal(), `person-key/${deviceId}`);
    const officerEnvelope = seal(lockKey, Buffer.from(officerKey.privateArmored, 'utf8'), lockHeader);
    passKey.fill(0);
    lockKey.fill(0);

    const certification = await signDetached(
      Buffer.from(deviceRecordText({ vault: vaultId, id: deviceId, person: options.login, signing_fingerprint: deviceSigning.fingerprint, created_at: createdAt }), 'utf8'),
      orgPrivate,
    );
    const policySha = sha256Hex(options.policy.text);

    deviceFile = deviceFilePath(options.paths.devicesDir, vaultId);
    writeDeviceKey(options.paths.devicesDir, { vaultId, deviceId, secret: deviceSecret, signingKey: SecretValue.fromString(deviceSigning.privateArmored) });

    await writeTransaction(store, async (trx) => {
      const existing = await trx.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirst();
      if (existing) throw new GmvError('VAULT_EXISTS', { path: store.location });
      await trx.insertInto('vault_meta').values([
        { key: 'vault_id', value: vaultId },
        { key: 'created_at', value: createdAt },
      ]).execute();
      await trx.insertInto('org').values({ id: 1, name: options.org, created_at: createdAt }).execute();
      await trx.insertInto('org_keys').values({ fingerprint: orgKey.fingerprint, public_key: orgKey.publicArmored, private_envelope: JSON.stringify(orgEnvelope), created_at: createdAt }).execute();
      await trx.insertInto('policies').values({ sha256: policySha, body: options.policy.text, applied_at: createdAt }).execute();
      const unit = await trx.insertInto('units').values({ name: options.unit, created_at: createdAt }).returning('id').executeTakeFirstOrThrow();
      const person = await trx.insertInto('people').values({
        login: options.login, name: options.officerName, unit_id: Number(unit.id), employer: null,
        roles: JSON.stringify(['security-officer']), status: 'active', created_at: createdAt,
      }).returning('id').executeTakeFirstOrThrow();
      const personId = Number(person.id);
      await trx.insertInto('person_keys').values({ fingerprint: officerKey.fingerprint, person_id: personId, public_key: officerKey.publicArmored, created_at: createdAt, retired_at: null }).execute();
      await trx.insertInto('devices').values({
        id: deviceId, person_id: personId, label: 'init terminal', signing_fingerprint: deviceSigning.fingerprint,
        signing_public_key: deviceSigning.publicArmored, certification: Buffer.from(certification).toString('base64'),
        status: 'active', created_at: createdAt, revoked_at: null,
      }).execute();
      await trx.insertInto('person_key_locks').values({ person_id: personId, key_fingerprint: officerKey.fingerprint, device_id: deviceId, envelope: JSON.stringify(officerEnvelope), created_at: createdAt }).execute();
      await trx.insertInto('key_wraps').values({
        item_kind: 'org-key', item_id: orgKey.fingerprint, item_version: 1, person_id: personId,
        key_fingerprint: officerKey.fingerprint, wrapped: Buffer.from(orgWrap).toString('base64'), created_at: createdAt,
      }).execute();

      const writer = { vaultId, deviceId, now };
      await appendAudit(trx, writer, [
        { action: Actions.vaultInit, actor: options.login, subject: options.org, outcome: 'ok',
          details: { org_key: orgKey.fingerprint, policy: options.policy.source, policy_sha256: policySha, schema: 1 } },
        { action: 'unit.add', actor: options.login, subject: options.unit, outcome: 'ok', details: {} },
        { action: 'person.add', actor: options.login, subject: options.login, outcome: 'ok',
          details: { roles: ['security-officer'], key: officerKey.fingerprint } },
        { action: 'device.approve', actor: options.login, subject: deviceId, outcome: 'ok',
          details: { person: options.login, signing_key: deviceSigning.fingerprint } },
      ]);
      await writeCheckpoint(trx, writer, await readPrivate(deviceSigning.privateArmored));
    });
    committed = true;
    return {
      vaultId, location: store.location, org: options.org, unit: options.unit, login: options.login,
      orgFingerprint: orgKey.fingerprint, officerFingerprint: officerKey.fingerprint, deviceId, deviceFile,
    };
  } finally {
    await store.close();
    if (!committed) {
      if (deviceFile) rmSync(deviceFile, { force: true });
      if (sqlitePath && !existedBefore) removeSqliteFiles(sqlitePath);
    }
  }
}

/** A failed init leaves nothing behind: the file it created and SQLite's side files. */
function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}
