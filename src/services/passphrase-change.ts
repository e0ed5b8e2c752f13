/**
 * gmv passphrase change: re-seal the person's key on this device under a new passphrase. The old
 * passphrase is asked again (an unlocked terminal left alone must not be enough). Other devices keep
 * their own seal until the passphrase is changed there too.
 */
import type { Secret } from '../crypto/secret.js';
import { unlockPerson } from './unlock.js';
import { enforcePassphrase } from './init.js';
import { sealPersonKey } from './keys.js';
import { activePolicy, commitChange, terminalDevice, type Vault } from './vault.js';
import { GmvError } from '../errors.js';

export async function changePassphrase(vault: Vault, input: { login: string; current: Secret; next: Secret; totp: () => Promise<Secret>; commonPasswords: ReadonlySet<string> }): Promise<{ login: string; deviceId: string }> {
  const policy = await activePolicy(vault.store.db);
  enforcePassphrase(input.next, input.login, policy, input.commonPasswords);
  if (input.next.revealString() === input.current.revealString()) throw new GmvError('PASSPHRASE_WEAK', { reason: 'detail.passphraseIsCurrent' });
  const person = await unlockPerson(vault, input.login, input.current, { totp: input.totp });
  const device = terminalDevice(vault, input.login)!;
  const envelope = await sealPersonKey(person.key.armor(), input.next, device.secret.reveal(), { login: person.login, fingerprint: person.keyFingerprint, deviceId: device.deviceId }, policy.passphrase.kdf);
  await commitChange(vault, async (trx) => {
    await trx.updateTable('person_key_locks').set({ envelope: JSON.stringify(envelope), created_at: vault.now().toISOString() })
      .where('key_fingerprint', '=', person.keyFingerprint).where('device_id', '=', device.deviceId).execute();
    return { result: undefined, audit: [{ action: 'person.passphrase', actor: person.login, subject: device.deviceId, outcome: 'ok', details: {} }] };
  });
  return { login: person.login, deviceId: device.deviceId };
}
