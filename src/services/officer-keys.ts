/** The organisation key and the device CA key, opened for a key holder they were wrapped for. */
import type { Kysely } from 'kysely';
import type { PrivateKey } from 'openpgp';
import type { OpenedKey, Recipient } from '../crypto/pgp.js';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import type { CaMaterial } from '../crypto/x509.js';
import { currentCaRow, currentOrgKeyRow, openCa, openOrgKey, openOrgSecret, unwrap, wrapForPeople, type KeyHolder, type WrappedItem } from './keys.js';
import { liveWrap } from '../store/wraps.js';
import { recordDenial, type Vault } from './vault.js';

/** The wrapped key by its name in the catalogue, so a refusal names it in the reader's language. */
function keyName(kind: WrappedItem): string {
  return kind === 'org-key' ? 'what.orgKeyItem' : kind === 'device-ca' ? 'what.deviceCa' : kind;
}

async function dataKeyFor(vault: Vault, holder: KeyHolder, kind: WrappedItem, itemId: string, purpose: string): Promise<Buffer> {
  const dataKey = await unwrap(vault.store.db, holder, kind, itemId);
  if (dataKey) return dataKey;
  await recordDenial(vault, { action: `${kind}.use`, actor: holder.login, subject: null, outcome: 'denied', details: { rule: 'key-wrap', reason: `no ${kind} wrap for this person's key`, purpose } }, undefined, { by: holder });
  throw new GmvError('NO_KEY_WRAP', { key: keyName(kind), login: holder.login });
}

/** The organisation key, opened by `open` with the data key wrapped for `holder` (refused and recorded when they hold none). */
async function openedOrgKey<T>(vault: Vault, holder: KeyHolder, open: (db: Vault['store']['db'], dataKey: Uint8Array) => Promise<T>): Promise<T> {
  const row = await currentOrgKeyRow(vault.store.db);
  const dataKey = await dataKeyFor(vault, holder, 'org-key', row.fingerprint, 'signing with the organisation key');
  try {
    return await open(vault.store.db, dataKey);
  } finally {
    dataKey.fill(0);
  }
}

export function orgKeyFor(vault: Vault, holder: KeyHolder): Promise<PrivateKey> {
  return openedOrgKey(vault, holder, openOrgKey);
}

/** The organisation key as a signer and decrypter, for the commands that only sign and unwrap with it (no openpgp.js for a key of gmv's shape). */
export function orgSecretFor(vault: Vault, holder: KeyHolder): Promise<OpenedKey> {
  return openedOrgKey(vault, holder, openOrgSecret);
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

/**
 * Wrap the organisation and device-CA keys for a (new) security officer's key, from an officer who
 * holds them, in the caller's transaction.
 */
export async function wrapOfficerKeys(trx: Kysely<DB>, vault: Pick<Vault, 'now'>, from: KeyHolder, to: { personId: number; fingerprint: string; publicKey: Recipient }): Promise<number> {
  let wrapped = 0;
  for (const [kind, row] of [['org-key', await currentOrgKeyRow(trx)], ['device-ca', await currentCaRow(trx)]] as const) {
    const exists = await liveWrap(trx, { kind, ref: row.fingerprint }, to.fingerprint);
    if (exists) continue;
    // Inside the caller's transaction: on SQLite its connection is the only one.
    const dataKey = await unwrap(trx, from, kind, row.fingerprint);
    if (!dataKey) throw new GmvError('NO_KEY_WRAP', { key: keyName(kind), login: from.login });
    try {
      await wrapForPeople(trx, { kind, ref: row.fingerprint, version: 1 }, dataKey, [to], vault.now().toISOString());
      wrapped += 1;
    } finally {
      dataKey.fill(0);
    }
  }
  return wrapped;
}
