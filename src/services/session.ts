/**
 * The person behind this terminal's session agent, checked against the vault on every command:
 * same vault, same terminal, person still active, key still their active key.
 */
import { GmvError } from '../errors.js';
import type { AgentClient } from '../agent/client.js';
import type { KeyHolder } from './keys.js';
import { authorize } from './access.js';
import { terminalDevice, type Vault } from './vault.js';

export interface SessionActor extends KeyHolder {
  name: string;
  deviceId: string;
}

export async function sessionActor(vault: Vault, agent: AgentClient): Promise<SessionActor> {
  const s = agent.session;
  const device = terminalDevice(vault, s.login);
  if (s.vaultId !== vault.vaultId || !device || device.deviceId !== s.deviceId) throw new GmvError('SESSION_REQUIRED', {});
  const row = await vault.store.db.selectFrom('people')
    .innerJoin('person_keys', 'person_keys.person_id', 'people.id')
    .select(['people.id', 'people.login', 'people.name', 'people.status', 'person_keys.status as key_status'])
    .where('person_keys.fingerprint', '=', s.keyFingerprint)
    .executeTakeFirst();
  // A key no longer the person's active one (replaced, or revoked with its holder) ends the session:
  // the agent forgets it now rather than at its idle timeout.
  if (!row || Number(row.id) !== s.personId || row.login !== s.login || row.key_status !== 'active') {
    await agent.lock();
    throw new GmvError('SESSION_REQUIRED', {});
  }
  // The person must still be active and the terminal still authorized: a terminal revoked while the
  // session was open loses it at its next command (offboarding retires the key as well, caught
  // above; a status the door refuses is locked too, defensively). The access door decides and
  // records the refusal; the agent forgets the key.
  try {
    await authorize(vault, { personId: s.personId, login: s.login, deviceId: s.deviceId }, { kind: 'session', action: 'using a session' });
  } catch (error) {
    if (error instanceof GmvError && (error.code === 'DEVICE_NOT_AUTHORIZED' || error.code === 'DENIED_STATUS')) await agent.lock();
    throw error;
  }
  return {
    personId: s.personId, login: s.login, name: row.name, deviceId: s.deviceId, keyFingerprint: s.keyFingerprint,
    decrypt: (data) => agent.decrypt(data),
    sessionKey: (packets) => agent.sessionKey(packets),
    // The session's key signs the checkpoints of what it does; the agent signs, the key stays there.
    signer: { personId: s.personId, fingerprint: s.keyFingerprint, sign: (data) => agent.sign(data) },
  };
}
