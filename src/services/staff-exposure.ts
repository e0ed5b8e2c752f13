/**
 * gmv staff exposure: what a person could ever decrypt — each credential version, pending
 * rotation, MFA seed, org or CA key — how (their own wrap, or the organisation key while they were
 * an officer), and from when until when. The answer for offboarding and for an incident: every
 * account whose password they may know.
 */
import { GmvError } from '../errors.js';
import { findPerson } from '../store/people.js';
import { exposure, type ExposureRow } from '../store/wraps.js';
import { authorize, type Actor } from './access.js';
import type { Vault } from './vault.js';

export interface ExposureView {
  login: string;
  /** What they could decrypt; `slug` names the account (null for an item of no account). */
  items: (Omit<ExposureRow, 'account'> & { slug: string | null })[];
  /** Accounts with at least one credential version they could open, whether or not it still applies. */
  accounts: string[];
}

export async function staffExposure(vault: Vault, actor: Actor, login: string): Promise<ExposureView> {
  await authorize(vault, actor, 'staff.manage', login);
  const db = vault.store.db;
  const person = await findPerson(db, { login });
  if (!person) throw new GmvError('PERSON_NOT_FOUND', { login });
  const items = await exposure(db, Number(person.id));
  const accounts = [...new Set(items.filter((i) => (i.kind === 'credential' || i.kind === 'rotation') && i.account).map((i) => i.account!))].sort();
  return { login, items: items.map(({ account, ...item }) => ({ ...item, slug: account })), accounts };
}
