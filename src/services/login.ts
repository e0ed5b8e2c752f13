/**
 * gmv login: authenticate on this terminal (device, throttle, passphrase, TOTP when enrolled) and
 * hand the unlocked key to a fresh session agent. Nothing of the key touches disk, argv or env.
 */
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { findSession } from '../agent/client.js';
import { startAgent } from '../agent/spawn.js';
import type { SessionInfo, TrainingNotice } from '../agent/protocol.js';
import { lapsingFor } from './training.js';
import { unlockPerson } from './unlock.js';
import { hasActiveMfa } from './mfa.js';
import { activePolicy, commitChange, type Vault } from './vault.js';

export interface LoginOptions {
  login: string;
  passphrase: Secret;
  /** Asked only when the person has TOTP enrolled. */
  totp: () => Promise<Secret>;
  socketPath: string;
  paths: import('../local/paths.js').LocalPaths;
}

export async function loginPerson(vault: Vault, options: LoginOptions): Promise<SessionInfo> {
  const person = await unlockPerson(vault, options.login, options.passphrase, { totp: options.totp });
  const policy = await activePolicy(vault.store.db);
  const usedTotp = await hasActiveMfa(vault.store.db, person.personId);

  // One session per terminal and vault: a new login replaces the old one.
  const previous = await findSession(options.socketPath);
  if (previous) await previous.lock();

  await commitChange(vault, async () => ({
    result: undefined,
    audit: [{ action: 'session.login', actor: person.login, subject: person.deviceId, outcome: 'ok',
      details: { factors: usedTotp ? ['passphrase', 'device', 'totp'] : ['passphrase', 'device'], idle_seconds: policy.session.idleSeconds, max_seconds: policy.session.maxSeconds } }],
  }), { by: person });
  await startAgent({
    socketPath: options.socketPath,
    paths: options.paths,
    session: { login: person.login, name: person.name, personId: person.personId, deviceId: person.deviceId, vaultId: vault.vaultId, keyFingerprint: person.keyFingerprint },
    idleSeconds: policy.session.idleSeconds,
    maxSeconds: policy.session.maxSeconds,
  }, person.key.write());
  const session = await findSession(options.socketPath);
  if (!session) throw new GmvError('INTERNAL', { detail: 'detail.agentSilent' });
  // The warnings go to the person logging in; the agent's status stays session metadata only.
  return { ...session.session, notices: await trainingNotices(vault, person) };
}

/** The warnings a person gets at login: what they lack, and what lapses within 30 days (Art. 25). */
export async function trainingNotices(vault: Vault, person: { personId: number; login: string }): Promise<TrainingNotice[]> {
  const { shortfalls, lapsing } = await lapsingFor(vault, { id: person.personId, login: person.login });
  return [
    ...shortfalls.map((s) => ({ what: s.what, state: s.state, date: s.lapsedOn })),
    ...lapsing.map((l) => ({ what: l.what, state: 'lapsing' as const, date: l.lapsesOn })),
  ];
}

/** gmv lock / gmv logout: the agent forgets the key; logout also leaves an audit entry. */
export async function endSession(vault: Vault | null, socketPath: string, audit: boolean): Promise<SessionInfo | null> {
  const session = await findSession(socketPath);
  if (!session) return null;
  await session.lock();
  if (audit && vault) {
    await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'session.logout', actor: session.session.login, subject: session.session.deviceId, outcome: 'ok', details: {} }] }));
  }
  return session.session;
}
