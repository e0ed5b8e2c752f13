/**
 * Authenticating a person on this terminal: the terminal must be their authorized device, the
 * person must not be throttled or locked, and their key must open with their passphrase combined
 * with this device's secret. Every refusal is recorded before it is reported.
 */
import type { PrivateKey } from 'openpgp';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { parseEnvelope, EnvelopeError } from '../crypto/envelope.js';
import { decryptWith, fingerprintOf, readPrivate, sessionKeyOf, signDetached } from '../crypto/pgp.js';
import { Actions } from '../audit/entry.js';
import type { Role } from '../domain/names.js';
import { authorize } from './access.js';
import { activePolicy, commitChange, recordDenial, type Vault } from './vault.js';
import type { DeviceKey } from '../local/device-file.js';
import { enforcePassphrase } from './init.js';
import { loadCommonPasswords } from '../policy/passphrase-rules.js';
import { authorizeTerminal } from './terminal.js';
import { openPersonKey, sealPersonKey, type KeyHolder } from './keys.js';
import { throttleState, reserveAttempt, settleFailure, releaseAttempt, clearFailures, loggedFailures, COUNTED, type Reservation, type ThrottleState } from './throttle.js';
import type { Policy } from '../policy/policy.js';
import { hasActiveMfa, loadTotp, acceptLoginCode, loggedMfa } from './mfa.js';
import { verifyTotp } from '../crypto/totp.js';
import { writeTransaction } from '../store/store.js';
import { findPerson, storedRoles } from '../store/people.js';
import { isLoginHandle } from '../domain/names.js';

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
  if (!isLoginHandle(login)) throw new GmvError('INVALID_INPUT', { what: 'what.loginHandle', detail: 'detail.notLoginHandle', login });
  const db = vault.store.db;
  const policy = await activePolicy(db);
  const person = await findPerson(db, { login });
  if (!person) {
    await recordDenial(vault, { action: Actions.authFailed, actor: login, subject: login, outcome: 'denied', details: { reason: 'unknown login' } });
    throw new GmvError('AUTH_FAILED', { login });
  }
  const personId = Number(person.id);
  const { name, roles } = person;
  await authorize(vault, { personId, login }, { kind: 'unlock', action: 'login' });
  const { reservation, signedSize } = await reserveLoginAttempt(vault, login, personId, policy);
  // Until a passphrase is tested the attempt may be taken back; after that it stays counted even
  // if something else fails (a guess that crashed is still a guess).
  let tested = false;
  let settled = false;
  try {
    return await unlockReserved();
  } catch (error) {
    if (!tested && !settled) await writeTransaction(vault.store, (trx) => releaseAttempt(trx, reservation));
    throw error;
  }

  async function unlockReserved(): Promise<UnlockedPerson> {
    const { device } = await authorizeTerminal(vault, login, personId);

    const lock = await db.selectFrom('person_key_locks')
      .innerJoin('person_keys', 'person_keys.fingerprint', 'person_key_locks.key_fingerprint')
      .select(['person_key_locks.envelope', 'person_keys.fingerprint'])
      .where('person_key_locks.person_id', '=', personId)
      .where('person_key_locks.device_id', '=', device.deviceId)
      .where('person_keys.status', '=', 'active')
      .executeTakeFirst();

    /** A failure that tested a passphrase (or a code) keeps its reserved count; others take it back. */
    const fail = async (reason: string, counts = true, action: string = Actions.authFailed, code: 'AUTH_FAILED' | 'TOTP_INVALID' = 'AUTH_FAILED'): Promise<never> => {
      let locked = false;
      settled = true;
      await recordDenial(vault, { action, actor: login, subject: login, outcome: 'denied', details: counts ? { reason, ...COUNTED } : { reason } }, async (trx) => {
        if (!counts) {
          await releaseAttempt(trx, reservation);
          return [];
        }
        const counted = await settleFailure(trx, reservation, policy, vault.now());
        locked = counted.locked;
        return counted.lockedByThis ? [{ action: 'auth.locked', actor: login, subject: login, outcome: 'denied', details: { failures: policy.login.maxFailures } }] : [];
      });
      if (locked) throw await lockedOut(vault, login, policy);
      throw new GmvError(code, { login });
    };
    if (!lock) {
      const received = await receiveTransferredKey(vault, { personId, login }, device, passphrase);
      if (received) {
        settled = true;
        await writeTransaction(vault.store, (trx) => releaseAttempt(trx, reservation));
        return unlockPerson(vault, login, passphrase, options);
      }
      return fail('no key for this person on this device (after a second enrollment: gmv device add-key on a terminal where the key is)', false);
    }

    let key: PrivateKey;
    try {
      const envelope = parseEnvelope(lock.envelope);
      if ((envelope.header as { person?: string }).person !== login || (envelope.header as { fingerprint?: string }).fingerprint !== lock.fingerprint) {
        return fail('key lock bound to another person');
      }
      tested = true;
      key = await openPersonKey(envelope, passphrase, device.secret.reveal(), device.deviceId);
    } catch (error) {
      if (error instanceof EnvelopeError || (error instanceof GmvError && error.code === 'AUTH_FAILED')) return fail('wrong passphrase');
      throw error;
    }
    if (fingerprintOf(key) !== lock.fingerprint) return fail('key does not match its record');
    const unlocked: UnlockedPerson = {
      personId, login, name, roles, key, deviceId: device.deviceId,
      keyFingerprint: lock.fingerprint,
      decrypt: async (data) => Buffer.from(await decryptWith(data, key)),
      sessionKey: (packets) => sessionKeyOf(packets, key),
      signer: { personId, fingerprint: lock.fingerprint, sign: (data) => signDetached(data, key) },
    };
    const activeMfa = await hasActiveMfa(db, personId);
    if (!activeMfa && await loggedMfa(db, login, signedSize)) {
      // The signed log enrolled a second factor that the table no longer has (a deleted mfa_totp
      // row): refuse rather than log in with the passphrase alone. The guess stays counted.
      settled = true;
      const detail = 'second factor enrolled in the log, missing from the table';
      await recordDenial(vault, { action: 'auth.totp', actor: login, subject: login, outcome: 'denied', details: { rule: 'state-mismatch', reason: detail, table: 'mfa_totp' } },
        async (trx) => { await settleFailure(trx, reservation, policy, vault.now()); return []; });
      throw new GmvError('STATE_MISMATCH', { table: 'mfa_totp', row: login, detail: 'detail.replayMfaMissing', count: 1 });
    }
    if (activeMfa) {
      if (!options.totp) {
        // Not a guess: the passphrase was right and nothing was asked of the second factor.
        settled = true;
        await recordDenial(vault, { action: 'auth.totp', actor: login, subject: login, outcome: 'denied', details: { reason: 'second factor required' } },
          async (trx) => { await releaseAttempt(trx, reservation); return []; });
        throw new GmvError('TOTP_REQUIRED', { login });
      }
      const params = (await loadTotp(db, unlocked, 'active'))!;
      const code = await options.totp();
      const step = await verifyTotp(params, code.revealString().trim(), vault.now());
      code.wipe();
      const accepted = step !== null && (await commitChange(vault, async (trx) => ({ result: await acceptLoginCode(trx, personId, step), audit: [] })));
      if (!accepted) return fail(step === null ? 'wrong or expired code' : 'code already used (replay)', true, 'auth.totp', 'TOTP_INVALID');
    }
    settled = true;
    // The count lives in the log: a success that follows counted failures says so, signed by the
    // person, or the next attempt would still see them.
    await commitChange(vault, async (trx, head) => {
      await clearFailures(trx, personId);
      const logged = await loggedFailures(trx, login, policy, head.checkpoint?.size ?? 0);
      return { result: undefined, audit: logged.failures > 0 ? [{ action: 'auth.reset', actor: login, subject: login, outcome: 'ok', details: { failures: logged.failures } }] : [] };
    }, { by: unlocked });
    return unlocked;
  }
}

/**
 * Decide and count the attempt in one write transaction, before anything is derived: parallel
 * attempts queue on the lock, and each sees the ones before it. A refusal is audited in it too.
 * Also returns the size of the newest valid checkpoint, below which log entries have standing.
 */
async function reserveLoginAttempt(vault: Vault, login: string, personId: number, policy: Policy): Promise<{ reservation: Reservation; signedSize: number }> {
  let signedSize = 0;
  const decided = await commitChange<Reservation | ThrottleState>(vault, async (trx, head) => {
    signedSize = head.checkpoint?.size ?? 0;
    const logged = await loggedFailures(trx, login, policy, signedSize);
    const throttle = await throttleState(trx, personId, policy, vault.now(), logged);
    if (throttle.state !== 'open') {
      return { result: throttle, audit: [{ action: Actions.authFailed, actor: login, subject: login, outcome: 'denied' as const, details: { reason: throttle.state } }] };
    }
    return { result: await reserveAttempt(trx, personId, policy, vault.now(), logged), audit: [] };
  });
  if ('personId' in decided) return { reservation: decided, signedSize };
  if (decided.state === 'locked') throw await lockedOut(vault, login, policy);
  throw new GmvError('AUTH_THROTTLED', { login, seconds: decided.state === 'wait' ? decided.seconds : 0 });
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

/**
 * AUTH_LOCKED with the next step: a security officer's `gmv staff unlock`, or — when no other
 * active officer can still log in — `gmv recover` with the organisation recovery key.
 */
async function lockedOut(vault: Vault, login: string, policy: Policy): Promise<GmvError> {
  const people = await vault.store.db.selectFrom('people').select(['id', 'login', 'roles']).where('status', '=', 'active').where('login', '!=', login).execute();
  let unlockers = 0;
  for (const person of people) {
    if (!storedRoles(person.roles, person.login).includes('security-officer')) continue;
    // Only a hint for the message: every logged failure counts, signed or not.
    const logged = await loggedFailures(vault.store.db, person.login, policy, Number.MAX_SAFE_INTEGER);
    if ((await throttleState(vault.store.db, person.id, policy, vault.now(), logged)).state !== 'locked') unlockers += 1;
  }
  return new GmvError('AUTH_LOCKED', { login, failures: policy.login.maxFailures, next: unlockers > 0 ? 'detail.lockedAskOfficer' : 'detail.lockedNoOfficer' });
}
