/** The organisation key and the device CA key, opened for a key holder they were wrapped for. */
import type { PrivateKey } from 'openpgp';
import { GmvError } from '../errors.js';
import type { CaMaterial } from '../crypto/x509.js';
import { currentCaRow, currentOrgKeyRow, openCa, openOrgKey, unwrap, type KeyHolder, type WrappedItem } from './keys.js';
import { recordDenial, type Vault } from './vault.js';

async function dataKeyFor(vault: Vault, holder: KeyHolder, kind: WrappedItem, itemId: string, purpose: string): Promise<Buffer> {
  const dataKey = await unwrap(vault.store.db, holder, kind, itemId);
  if (dataKey) return dataKey;
  await recordDenial(vault, { action: `${kind}.use`, actor: holder.login, subject: null, outcome: 'denied', details: { reason: `no ${kind} wrap for this person's key` } });
  throw new GmvError('DENIED_ROLE', { action: purpose, role: 'security-officer', login: holder.login });
}

export async function orgKeyFor(vault: Vault, holder: KeyHolder): Promise<PrivateKey> {
  const row = await currentOrgKeyRow(vault.store.db);
  const dataKey = await dataKeyFor(vault, holder, 'org-key', row.fingerprint, 'signing with the organisation key');
  try {
    return await openOrgKey(vault.store.db, dataKey);
  } finally {
    dataKey.fill(0);
  }
}

export async function caFor(vault: Vault, holder: KeyHolder): Promise<CaMaterial> {
  const row = await currentCaRow(vault.store.db);
  const dataKey = await dataKeyFor(vault, holder, 'device-ca', row.fingerprint, 'using the device CA');
  try {
    return await openCa(vault.store.db, dataKey);
  } finally {
    dataKey.fill(0);
  }
}
