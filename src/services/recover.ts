/**
 * gmv recover: when every security officer has lost access, the organisation recovery key (or k of
 * its n shares) gives one officer a new personal key on this terminal, with the organisation and
 * device-CA keys wrapped for it. Loudly audited. Credentials wrapped for the officer's old key stay
 * unreadable to them until someone who holds them re-grants (a lost key is re-keyed, never bypassed).
 */
import { randomUUID } from 'node:crypto';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { decryptWith, fingerprintOf, generateKey, readPrivate, readPublic } from '../crypto/pgp.js';
import { certFingerprint } from '../crypto/x509.js';
import { combineShares, decodeShare, ShareError } from '../crypto/shamir.js';
import { forgetDeviceKey, removeDeviceKey } from '../local/device-file.js';
import { liveWrap, type WrapKind } from '../store/wraps.js';
import { findPerson } from '../store/people.js';
import { currentCaRow, currentOrgKeyRow, openCa, openOrgKey, sealPersonKey, wrapForPeople } from './keys.js';
import { newDeviceMaterial, certifyDevice, certifyPersonKey, insertDevice, saveDeviceFile, terminalFileFor } from './device-provision.js';
import { enforcePassphrase } from './init.js';
import { clearFailures } from './throttle.js';
import { retireKeys } from './steps.js';
import { authorize } from './access.js';
import { activePolicy, commitChange, recordDenial, type Vault } from './vault.js';

export interface RecoverInput {
  login: string;
  /** The armored recovery key, or encoded shares (one per string). */
  recoveryKey?: string;
  shares?: string[];
  passphrase: Secret;
  commonPasswords: ReadonlySet<string>;
}

export async function recoverOfficer(vault: Vault, input: RecoverInput): Promise<{ login: string; deviceId: string; personKey: string; recoveryKey: string }> {
  const db = vault.store.db;
  const armored = recoveryArmor(input);
  let recovery;
  try {
    recovery = await readPrivate(armored);
  } catch {
    throw new GmvError('RECOVERY_KEY_INVALID', {});
  }
  const recoveryFpr = fingerprintOf(recovery);
  const known = await db.selectFrom('recovery_keys').select('fingerprint').where('fingerprint', '=', recoveryFpr).executeTakeFirst();
  if (!known) {
    await recordDenial(vault, { action: 'recovery.use', actor: input.login, subject: input.login, outcome: 'denied', details: { reason: 'unknown recovery key', key: recoveryFpr } });
    throw new GmvError('RECOVERY_KEY_INVALID', {});
  }
  const person = await findPerson(db, { login: input.login });
  if (!person) throw new GmvError('PERSON_NOT_FOUND', { login: input.login });
  await authorize(vault, { personId: Number(person.id), login: person.login }, 'recovery.use', input.login);
  const policy = await activePolicy(db);
  enforcePassphrase(input.passphrase, input.login, policy, input.commonPasswords);

  const orgRow = await currentOrgKeyRow(db);
  const caRow = await currentCaRow(db);
  const unwrapRecovery = async (kind: string, id: string) => {
    const row = await liveWrap(db, { kind: kind as WrapKind, ref: id }, recoveryFpr, 'recovery');
    if (!row) throw new GmvError('RECOVERY_KEY_INVALID', {});
    return Buffer.from(await decryptWith(Buffer.from(row.wrapped, 'base64'), recovery));
  };
  const orgDataKey = await unwrapRecovery('org-key', orgRow.fingerprint);
  const caDataKey = await unwrapRecovery('device-ca', caRow.fingerprint);
  const orgKey = await openOrgKey(db, orgDataKey);
  const ca = await openCa(db, caDataKey);
  const org = await db.selectFrom('org').select('name').executeTakeFirstOrThrow();

  // This terminal becomes (or stays) the officer's device.
  // Another person's file on a shared OS account stays; theirs is replaced, or made beside it.
  const { existing, ownFile } = await terminalFileFor(db, vault.paths.devicesDir, vault.vaultId, { id: Number(person.id), login: input.login });
  if (existing) forgetDeviceKey(existing);
  const deviceId = randomUUID();
  const at = vault.now();
  const createdAt = at.toISOString();
  const [material, personKey] = await Promise.all([newDeviceMaterial(deviceId, input.login, org.name), generateKey(person.name, `gmv person ${input.login}`)]);
  const certified = await certifyDevice({ vaultId: vault.vaultId, deviceId, login: input.login, signingFingerprint: material.signing.fingerprint, createdAt, ca, orgKey, csrPem: material.csrPem, now: at, certificateDays: policy.devices.certificateDays });
  const lock = await sealPersonKey(personKey.privateArmored, input.passphrase, material.secret.reveal(), { login: input.login, fingerprint: personKey.fingerprint, deviceId }, policy.passphrase.kdf);
  saveDeviceFile(vault.paths.devicesDir, vault.vaultId, deviceId, material, certFingerprint(ca.certPem), undefined, ownFile);
  try {
    await commitChange(vault, async (trx) => {
      const personId = Number(person.id);
      // The lost keys retire; their org-key and CA wraps end now (the new key receives its own below).
      const retired = await retireKeys({ trx, at, actor: input.login, policy }, { personId, login: input.login }, 'recovered', ['org-key', 'device-ca']);
      await trx.insertInto('person_keys').values({ fingerprint: personKey.fingerprint, person_id: personId, public_key: personKey.publicArmored, created_at: createdAt, retired_at: null, status: 'active' }).execute();
      await certifyPersonKey(trx, vault.vaultId, orgKey, personKey.fingerprint);
      await insertDevice(trx, { id: deviceId, personId, label: 'recovery terminal', material, createdAt, certified: { ...certified, approvedBy: `recovery:${recoveryFpr}` } });
      await trx.insertInto('person_key_locks').values({ person_id: personId, key_fingerprint: personKey.fingerprint, device_id: deviceId, envelope: JSON.stringify(lock), created_at: createdAt }).execute();
      const holder = [{ personId, fingerprint: personKey.fingerprint, publicKey: await readPublic(personKey.publicArmored) }];
      await wrapForPeople(trx, { kind: 'org-key', ref: orgRow.fingerprint, version: 1 }, orgDataKey, holder, createdAt);
      await wrapForPeople(trx, { kind: 'device-ca', ref: caRow.fingerprint, version: 1 }, caDataKey, holder, createdAt);
      await clearFailures(trx, personId);
      return { result: undefined, audit: [...retired.audit, { action: 'recovery.use', actor: input.login, subject: input.login, outcome: 'ok', details: {
        recovery_key: recoveryFpr, retired_keys: retired.result, new_key: personKey.fingerprint, device: deviceId, warning: 'organisation recovery key used',
      } }] };
    });
  } catch (error) {
    removeDeviceKey(vault.paths.devicesDir, vault.vaultId, ownFile);
    throw error;
  } finally {
    orgDataKey.fill(0);
    caDataKey.fill(0);
  }
  return { login: input.login, deviceId, personKey: personKey.fingerprint, recoveryKey: recoveryFpr };
}

function recoveryArmor(input: RecoverInput): string {
  if (input.recoveryKey) return input.recoveryKey;
  if (!input.shares || input.shares.length === 0) throw new GmvError('USAGE', { detail: 'detail.recoverKeyOrShares' });
  try {
    return Buffer.from(combineShares(input.shares.map((s) => decodeShare(s)))).toString('utf8');
  } catch (error) {
    if (error instanceof ShareError) throw new GmvError('INVALID_INPUT', { ...error.params, what: 'what.recoveryShares', detail: error.detail });
    throw new GmvError('INVALID_INPUT', { what: 'what.recoveryShares', detail: (error as Error).message });
  }
}
