/** gmv org key export: the organisation public key, armored, for auditors. */
import { fingerprintOf } from '../crypto/pgp.js';
import { orgPublicKey, type Vault } from './vault.js';

export async function exportOrgKey(vault: Vault): Promise<{ fingerprint: string; armored: string }> {
  const key = await orgPublicKey(vault.store.db);
  return { fingerprint: fingerprintOf(key), armored: key.armor() };
}
