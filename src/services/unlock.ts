/**
 * Authenticating a person on this terminal: the terminal must be their authorized device, the
 * person must not be throttled or locked, and their key must open with their passphrase combined
 * with this device's secret. Every refusal is recorded before it is reported.
 */
import type { PrivateKey } from 'openpgp';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { parseEnvelope, EnvelopeError } from '../crypto/envelope.js';
import { decryptWith, fingerprintOf, readPrivate, signDetached } from '../crypto/pgp.js';
import { Actions } from '../audit/entry.js';
import { isLoginHandle, type Role } from '../domain/names.js';
import { authorize } from './access.js';
import { activePolicy, commitChange, recordDenial, type Vault } from './vault.js';
import type { DeviceKey } from '../local/device-file.js';
import { enforcePassphrase } from './init.js';
import { loadCommonPasswords } from '../policy/passphrase-rules.js';
import { authorizeTerminal } from './terminal.js';
import { openPersonKey, sealPersonKey, type KeyHolder } from './keys.js';
import { throttleState, recordFailure, clearFailures } from './throttle.js';
import { hasActiveMfa, loadTotp, acceptLoginCode } from './mfa.js';
import { verifyTotp } from '../crypto/totp.js';
import { writeTransaction } from '../store/store.js';
import { findPerson } from '../store/people.js';

export interface UnlockedPerson extends KeyHolder {
  name: string;
  roles: Role[];
  key: PrivateKey;
  deviceId: string;
}

export interface UnlockOptions {
  /** Asked only when the person has TOTP enrolled; without it such a person is refused. */
  totp?: () => Promise<Secret>;
}

/**
 * Every factor, in order: throttle, terminal, passphrase with this device's secret, then TOTP when
 * enrolled. Only when all passed is the failure count cleared.
 */
export async function unlockPerson(vault: Vault, login: string, passphrase: Secret, options: UnlockOptions = {}): Promise<UnlockedPerson> {
  // A string that can be no handle names nobody: refused before it reaches the audit log (it could
  // hold escape sequences for the auditor's terminal), like a usage error.
  if (!isLoginHandle(login)) throw new GmvError('INVALID_INPUT', { what: 'login handle', detail: `"${login}" is not a login handle (lowercase letters and digits joined by . _ or -, like zhang.wei)` });
  const db = vault.store.db;
  const policy = await activePolicy(db);
  const person = await findPerson(db, { login });
  if (!person) {
    await recordDenial(vault, { action: Actions.authFailed, actor: login, subject: login, outcome: 'denied', details: { reason: 'unknown login' } });
    throw new GmvError('AUTH_FAILED', { login });
  }
  const personId = Number(person.id);
  await authorize(vault, { personId, login }, { kind: 'unlock', action: 'login' });
  const throttle = await throttleState(db, personId, policy, vault.now());
  if (throttle.state !== 'open') {
    await recordDenial(vault, { action: Actions.authFailed, actor: login, subject: login, outcome: 'denied', details: { reason: throttle.state } });
    if (throttle.state === 'locked') throw new GmvError('AUTH_LOCKED', { login, failures: throttle.failures });
    throw new GmvError('AUTH_THROTTLED', { login, seconds: throttle.seconds });
  }
  const { device } = await authorizeTerminal(vault, login, personId);

  const lock = await db.selectFrom('person_key_locks')
    .innerJoin('person_keys', 'person_keys.fingerprint', 'person_key_locks.key_fingerprint')
    .select(['person_key_locks.envelope', 'person_keys.fingerprint'])
    .where('person_key_locks.person_id', '=', personId)
    .where('person_key_locks.device_id', '=', device.deviceId)
    .where('person_keys.status', '=', 'active')
    .executeTakeFirst();

  /** Only failures that tested a passphrase count toward throttling. */
  const fail = async (reason: string, counts = true): Promise<never> => {
    let locked = false;
    await recordDenial(vault, { action: Actions.authFailed, actor: login, subject: login, outcome: 'denied', details: { reason } }, async (trx) => {
      if (!counts) return [];
      const counted = await recordFailure(trx, personId, policy, vault.now());
      locked = counted.locked;
      return locked ? [{ action: 'auth.locked', actor: login, subject: login, outcome: 'denied', details: { failures: counted.failures } }] : [];
    });
    if (locked) throw new GmvError('AUTH_LOCKED', { login, failures: policy.login.maxFailures });
    throw new GmvError('AUTH_FAILED', { login });
  };
  if (!lock) {
    const received = await receiveTransferredKey(vault, { personId, login }, device, passphrase);
    if (received) return unlockPerson(vault, login, passphrase, options);
    return fail('no key for this person on this device (after a second enrollment: gmv device add-key on a terminal where the key is)', false);
  }

  let key: PrivateKey;
  try {
    const envelope = parseEnvelope(lock.envelope);
    if ((envelope.header as { person?: string }).person !== login || (envelope.header as { fingerprint?: string }).fingerprint !== lock.fingerprint) {
      return fail('key lock bound to another person');
    }
    key = await openPersonKey(envelope, passphrase, device.secret.reveal(), device.deviceId);
  } catch (error) {
    if (error instanceof EnvelopeError || (error instanceof GmvError && error.code === 'AUTH_FAILED')) return fail('wrong passphrase');
    throw error;
  }
  if (fingerprintOf(key) !== lock.fingerprint) return fail('key does not match its record');
  const unlocked: UnlockedPerson = {
    personId, login, name: person.name, roles: person.roles, key, deviceId: device.deviceId,
    keyFingerprint: lock.fingerprint,
    decrypt: async (data) => Buffer.from(await decryptWith(data, key)),
    signer: { personId, fingerprint: lock.fingerprint, sign: (data) => signDetached(data, key) },
  };
  if (await hasActiveMfa(db, personId)) {
    if (!options.totp) {
      await recordDenial(vault, { action: 'auth.totp', actor: login, subject: login, outcome: 'denied', details: { reason: 'second factor required' } });
      throw new GmvError('TOTP_REQUIRED', { login });
    }
    const params = (await loadTotp(db, unlocked, 'active'))!;
    const code = await options.totp();
    const step = await verifyTotp(params, code.revealString().trim(), vault.now());
    code.wipe();
    const accepted = step !== null && (await commitChange(vault, async (trx) => ({ result: await acceptLoginCode(trx, personId, step), audit: [] })));
    if (!accepted) {
      let locked = false;
      await recordDenial(vault, { action: 'auth.totp', actor: login, subject: login, outcome: 'denied', details: { reason: step === null ? 'wrong or expired code' : 'code already used (replay)' } },
        async (trx) => {
          const counted = await recordFailure(trx, personId, policy, vault.now());
          locked = counted.locked;
          return locked ? [{ action: 'auth.locked', actor: login, subject: login, outcome: 'denied', details: { failures: counted.failures } }] : [];
        });
      if (locked) throw new GmvError('AUTH_LOCKED', { login, failures: policy.login.maxFailures });
      throw new GmvError('TOTP_INVALID', { login });
    }
  }
  if (await db.selectFrom('login_throttle').select('person_id').where('person_id', '=', personId).executeTakeFirst()) {
    await writeTransaction(vault.store, (trx) => clearFailures(trx, personId));
  }
  return unlocked;
}

/**
 * A terminal's first login after `gmv device add-key`: its OpenPGP key opens the transferred
 * personal key, which is then sealed under the passphrase typed now and this terminal's secret.
 */
async function receiveTransferredKey(vault: Vault, person: { personId: number; login: string }, device: DeviceKey, passphrase: Secret): Promise<boolean> {
  const db = vault.store.db;
  const transfer = await db.selectFrom('key_transfers').innerJoin('person_keys', 'person_keys.fingerprint', 'key_transfers.key_fingerprint')
    .select(['key_transfers.ciphertext', 'key_transfers.key_fingerprint', 'person_keys.status'])
    .where('key_transfers.device_id', '=', device.deviceId).where('key_transfers.person_id', '=', person.personId).executeTakeFirst();
  if (!transfer || transfer.status !== 'active') return false;
  const policy = await activePolicy(db);
  enforcePassphrase(passphrase, person.login, policy, loadCommonPasswords());
  const deviceKey = await readPrivate(device.signingKey.revealString());
  const armored = Buffer.from(await decryptWith(Buffer.from(transfer.ciphertext, 'base64'), deviceKey)).toString('utf8');
  const key = await readPrivate(armored);
  if (fingerprintOf(key) !== transfer.key_fingerprint) return false;
  const lock = await sealPersonKey(armored, passphrase, device.secret.reveal(), { login: person.login, fingerprint: transfer.key_fingerprint, deviceId: device.deviceId }, policy.passphrase.kdf);
  await commitChange(vault, async (trx) => {
    await trx.insertInto('person_key_locks').values({ person_id: person.personId, key_fingerprint: transfer.key_fingerprint, device_id: device.deviceId, envelope: JSON.stringify(lock), created_at: vault.now().toISOString() }).execute();
    await trx.deleteFrom('key_transfers').where('device_id', '=', device.deviceId).execute();
    return { result: undefined, audit: [{ action: 'device.key-received', actor: person.login, subject: device.deviceId, outcome: 'ok', details: { key: transfer.key_fingerprint } }] };
  });
  return true;
}
