/**
 * `gmv org rekey`: a new organisation key and device CA, because someone who held the old ones (a
 * departing or demoted security officer) could, with a copy of the database, open every escrowed
 * credential and certify terminals. In one change with its audit entry:
 *  - the new org key and CA key are sealed and wrapped for the security officers in office now and
 *    the recovery keys; every wrap of the old ones is revoked (kept, with the time it stopped);
 *  - every escrow under the old org key is re-wrapped under the new one (the old escrow revoked), so
 *    officers keep granting access, and anything written afterwards is escrowed only under the new key;
 *  - every person key and terminal signing key is certified again by the new org key, and every
 *    active terminal's X.509 certificate is re-issued by the new CA (from its stored request) with a
 *    CRL of the new CA;
 *  - a transition statement is signed by the old org key, the new org key and the old CA's key, so an
 *    auditor who pinned the old key and a terminal that pinned the old CA follow the chain
 *    (audit/org-chain.ts); the old org key is retired in the log: the verifier refuses a checkpoint it
 *    signs over a tree larger than the one it handed over.
 * Offboarding and demoting an officer run the same step inside their own change.
 */
import { ROWS_PER_STATEMENT } from '../store/batches.js';
import type { Kysely } from 'kysely';
import type { PrivateKey, PublicKey } from 'openpgp';
import { GmvError } from '../errors.js';
import type { DB } from '../store/schema.js';
import type { AuditDraft } from '../audit/entry.js';
import { Actions } from '../audit/entry.js';
import { caSign, transitionText } from '../audit/org-chain.js';
import { deviceRecordText, personKeyRecordText } from '../audit/device-record.js';
import { decryptWith, generateKey, wrapDataKey, readPrivate, readPublic, signDetached, wipePrivateKey } from '../crypto/pgp.js';
import { certFingerprint, createDeviceCa, issueDeviceCertificate, type CaMaterial } from '../crypto/x509.js';
import { isDisplayName } from '../domain/names.js';
import type { Policy } from '../policy/policy.js';
import { insertWraps, type WrapRow } from '../store/wraps.js';
import { authorize } from './access.js';
import { activeKeysOfRole, currentCaRow, currentOrgKeyRow, sealWithDataKey, wrapFor, type KeyHolder, type WrapRecipient } from './keys.js';
import { caFor, orgKeyFor } from './officer-keys.js';
import { issueCrl } from './steps.js';
import { activePolicy, commitChange, recordedPolicy, type Vault } from './vault.js';
import { sealContext } from './access.js';
import { keySigner } from '../audit/log.js';
import { checkSealedPeople, sealGrants, sealPeople, sealPolicy } from './state-seals.js';

/** What a re-key needs before its transaction: the old keys opened, the new ones made. */
export interface RekeyMaterial {
  oldOrg: { fingerprint: string; key: PrivateKey };
  oldCa: { fingerprint: string; material: CaMaterial };
  newOrg: { fingerprint: string; publicArmored: string; privateArmored: string; key: PrivateKey; publicKey: PublicKey };
  newCa: { fingerprint: string; material: CaMaterial };
}

export interface RekeyView {
  fromOrg: string;
  toOrg: string;
  fromCa: string;
  toCa: string;
  /** Security officers the new keys were wrapped for. */
  officers: string[];
  recoveryKeys: number;
  escrowRewrapped: number;
  keysRecertified: number;
  devicesReissued: number;
  crlNumber: number;
  reason: string;
}


/** Open the old keys with the officer's wraps and make the new ones (outside any transaction: it is slow). */
export async function prepareRekey(vault: Vault, officer: KeyHolder, policy: Policy): Promise<RekeyMaterial> {
  const db = vault.store.db;
  const [orgRow, caRow, org] = await Promise.all([currentOrgKeyRow(db), currentCaRow(db), db.selectFrom('org').select('name').executeTakeFirstOrThrow()]);
  const [oldOrgKey, oldCa] = await Promise.all([orgKeyFor(vault, officer), caFor(vault, officer)]);
  const generated = await generateKey(org.name, 'gmv organisation key');
  const newCa = createDeviceCa({ org: org.name, vaultId: vault.vaultId, now: vault.now(), validDays: policy.devices.caDays });
  return {
    oldOrg: { fingerprint: orgRow.fingerprint, key: oldOrgKey },
    oldCa: { fingerprint: caRow.fingerprint, material: oldCa },
    newOrg: { ...generated, key: await readPrivate(generated.privateArmored), publicKey: await readPublic(generated.publicArmored) },
    newCa: { fingerprint: certFingerprint(newCa.certPem), material: newCa },
  };
}

/** Forget the private keys a re-key held. */
export function wipeRekey(m: RekeyMaterial): void {
  wipePrivateKey(m.oldOrg.key);
  wipePrivateKey(m.newOrg.key);
}

/** A moment after `previous`: the newest org key and CA are read by creation time. */
function after(now: Date, previous: string): Date {
  const floor = Date.parse(previous) + 1;
  return now.getTime() >= floor ? now : new Date(floor);
}

/** The re-key, inside the caller's change (after its own steps: the officers are those active now). */
export async function rekeyIn(trx: Kysely<DB>, vault: Vault, m: RekeyMaterial, actor: string, reason: string, policy: Policy): Promise<{ result: RekeyView; audit: AuditDraft[] }> {
  const [orgRow, caRow] = await Promise.all([currentOrgKeyRow(trx), currentCaRow(trx)]);
  if (orgRow.fingerprint !== m.oldOrg.fingerprint || caRow.fingerprint !== m.oldCa.fingerprint) {
    throw new GmvError('STORE_BUSY', { detail: 'detail.rekeyReplacedMeanwhile' });
  }
  const moment = after(after(vault.now(), orgRow.created_at), caRow.created_at);
  const at = moment.toISOString();
  const treeSize = Number((await trx.selectFrom('audit_tree').select('size').where('id', '=', 1).executeTakeFirst())?.size ?? 0);
  // The state the old key sealed is checked before the new key seals it again (nothing forged is carried over).
  const seals = sealContext(vault);
  await checkSealedPeople(trx, seals, 'all', true);
  const { pack, override } = await recordedPolicy(trx);

  // The new keys, sealed, for the officers in office (their keys as the old organisation key
  // certified them, read before the new key is the vault's) and the recovery keys.
  const officers = await activeKeysOfRole(trx, 'security-officer');
  if (officers.length === 0) throw new GmvError('INVALID_INPUT', { what: 'what.orgKey', detail: 'detail.rekeyNoOfficer' });
  const org = sealWithDataKey(Buffer.from(m.newOrg.privateArmored, 'utf8'), { purpose: 'org-key', fingerprint: m.newOrg.fingerprint });
  const ca = sealWithDataKey(Buffer.from(m.newCa.material.keyPem, 'utf8'), { purpose: 'device-ca', fingerprint: m.newCa.fingerprint });
  await trx.insertInto('org_keys').values({ fingerprint: m.newOrg.fingerprint, public_key: m.newOrg.publicArmored, private_envelope: JSON.stringify(org.envelope), created_at: at }).execute();
  await trx.insertInto('device_ca').values({ fingerprint: m.newCa.fingerprint, cert_pem: m.newCa.material.certPem, private_envelope: JSON.stringify(ca.envelope), created_at: at }).execute();
  const recovery = await trx.selectFrom('recovery_keys').select(['fingerprint', 'public_key']).execute();
  const recipients: WrapRecipient[] = [
    ...officers.map((o) => ({ recipient: 'person' as const, ...o })),
    ...await Promise.all(recovery.map(async (r) => ({ recipient: 'recovery' as const, fingerprint: r.fingerprint, publicKey: await readPublic(r.public_key) }))),
  ];
  for (const kind of ['org-key', 'device-ca'] as const) {
    const old = kind === 'org-key' ? m.oldOrg.fingerprint : m.oldCa.fingerprint;
    await trx.updateTable('wraps').set({ revoked_at: at, revoked_reason: 'org-rekey' })
      .where('item_kind', '=', kind).where('item_ref', '=', old).where('revoked_at', 'is', null).execute();
  }
  await wrapFor(trx, { kind: 'org-key', ref: m.newOrg.fingerprint, version: 1 }, org.dataKey, recipients, at);
  await wrapFor(trx, { kind: 'device-ca', ref: m.newCa.fingerprint, version: 1 }, ca.dataKey, recipients, at);
  org.dataKey.fill(0);
  ca.dataKey.fill(0);

  const newSigner = keySigner(m.newOrg.key);
  await sealPeople(trx, vault.vaultId, newSigner, (await trx.selectFrom('people').select('id').execute()).map((p) => Number(p.id)), at);
  await sealGrants(trx, vault.vaultId, newSigner, 'all', at);
  await sealPolicy(trx, vault.vaultId, newSigner, { pack: pack.sha256, override: override?.sha256 ?? null }, at);
  const escrowRewrapped = await rewrapEscrow(trx, m, at);
  const keysRecertified = await recertify(trx, vault.vaultId, m.newOrg.key);
  const devicesReissued = await reissueCertificates(trx, m.newCa.material, moment, policy);
  const crlNumber = await issueCrl({ trx, at: moment, actor, policy }, m.newCa.material);

  const body = transitionText({
    vault: vault.vaultId, from_org: m.oldOrg.fingerprint, to_org: m.newOrg.fingerprint, from_ca: m.oldCa.fingerprint, to_ca: m.newCa.fingerprint,
    tree_size: treeSize, at, by: actor, reason,
  });
  const data = Buffer.from(body, 'utf8');
  const [fromSignature, toSignature] = await Promise.all([signDetached(data, m.oldOrg.key), signDetached(data, m.newOrg.key)]);
  await trx.insertInto('org_transitions').values({
    from_org: m.oldOrg.fingerprint, to_org: m.newOrg.fingerprint, body,
    from_signature: Buffer.from(fromSignature).toString('base64'), to_signature: Buffer.from(toSignature).toString('base64'),
    ca_signature: caSign(body, m.oldCa.material.keyPem), created_at: at,
  }).execute();

  const logins = (await trx.selectFrom('people').select(['id', 'login']).where('id', 'in', officers.map((o) => o.personId)).orderBy('login').execute()).map((p) => p.login);
  const result: RekeyView = {
    fromOrg: m.oldOrg.fingerprint, toOrg: m.newOrg.fingerprint, fromCa: m.oldCa.fingerprint, toCa: m.newCa.fingerprint,
    officers: logins, recoveryKeys: recovery.length, escrowRewrapped, keysRecertified, devicesReissued, crlNumber, reason,
  };
  return {
    result,
    audit: [{
      action: Actions.orgRekey, actor, subject: m.newOrg.fingerprint, outcome: 'ok',
      details: {
        from_org: result.fromOrg, to_org: result.toOrg, from_ca: result.fromCa, to_ca: result.toCa, retired_keys: [result.fromOrg],
        tree_size: treeSize, officers: logins, recovery_keys: result.recoveryKeys, escrow_rewrapped: escrowRewrapped,
        keys_recertified: keysRecertified, devices_reissued: devicesReissued, crl_number: crlNumber, reason,
      },
    }],
  };
}

/** Every escrow in force under the old org key, wrapped again for the new one; the old ones revoked. */
async function rewrapEscrow(trx: Kysely<DB>, m: RekeyMaterial, at: string): Promise<number> {
  let done = 0;
  for (let lastId = 0; ;) {
    const rows = await trx.selectFrom('wraps').select(['id', 'item_kind', 'account_id', 'item_ref', 'item_version', 'wrapped'])
      .where('recipient', '=', 'org').where('key_fingerprint', '=', m.oldOrg.fingerprint).where('revoked_at', 'is', null)
      .where('id', '>', lastId).orderBy('id').limit(ROWS_PER_STATEMENT).execute();
    if (rows.length === 0) return done;
    const next: WrapRow[] = [];
    for (const row of rows) {
      const dataKey = await decryptWith(Buffer.from(row.wrapped, 'base64'), m.oldOrg.key);
      try {
        next.push({
          item: { kind: row.item_kind as WrapRow['item']['kind'], accountId: row.account_id === null ? null : Number(row.account_id), ref: row.item_ref, version: Number(row.item_version) },
          recipient: 'org', personId: null, keyFingerprint: m.newOrg.fingerprint,
          wrapped: Buffer.from(await wrapDataKey(dataKey, m.newOrg.publicKey)).toString('base64'), at,
        });
      } finally {
        dataKey.fill(0);
      }
    }
    await insertWraps(trx, next);
    await trx.updateTable('wraps').set({ revoked_at: at, revoked_reason: 'org-rekey' }).where('id', 'in', rows.map((r) => Number(r.id))).execute();
    done += rows.length;
    lastId = Number(rows.at(-1)!.id);
  }
}

/** The organisation's certification of every person key and terminal signing key, made again by the new key. */
async function recertify(trx: Kysely<DB>, vaultId: string, orgKey: PrivateKey): Promise<number> {
  const keys = await trx.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
    .select(['person_keys.fingerprint', 'person_keys.created_at', 'people.login']).where('person_keys.certification', 'is not', null).execute();
  for (const k of keys) {
    const record = personKeyRecordText({ vault: vaultId, person: k.login, fingerprint: k.fingerprint, created_at: k.created_at });
    const signature = Buffer.from(await signDetached(Buffer.from(record, 'utf8'), orgKey)).toString('base64');
    await trx.updateTable('person_keys').set({ certification: signature }).where('fingerprint', '=', k.fingerprint).execute();
  }
  const devices = await trx.selectFrom('devices').leftJoin('people', 'people.id', 'devices.person_id')
    .select(['devices.id', 'devices.signing_fingerprint', 'devices.created_at', 'people.login']).where('devices.certification', '!=', '').execute();
  for (const d of devices) {
    const record = deviceRecordText({ vault: vaultId, id: d.id, person: d.login ?? null, signing_fingerprint: d.signing_fingerprint!, created_at: d.created_at });
    const signature = Buffer.from(await signDetached(Buffer.from(record, 'utf8'), orgKey)).toString('base64');
    await trx.updateTable('devices').set({ certification: signature }).where('id', '=', d.id).execute();
  }
  return keys.length + devices.length;
}

/** A certificate of the new CA for every active terminal, from the request it enrolled with. */
async function reissueCertificates(trx: Kysely<DB>, ca: CaMaterial, now: Date, policy: Policy): Promise<number> {
  const devices = await trx.selectFrom('devices').select(['id', 'csr']).where('status', '=', 'active').execute();
  for (const d of devices) {
    if (!d.csr) throw new GmvError('VAULT_CORRUPT', { path: '(vault)', detail: 'detail.rekeyNoCsr', device: d.id });
    const cert = issueDeviceCertificate({ ca, csrPem: d.csr, now, validDays: policy.devices.certificateDays });
    await trx.updateTable('devices').set({ cert_pem: cert.certPem, cert_serial: cert.serialHex, cert_not_after: cert.notAfter.toISOString() }).where('id', '=', d.id).execute();
  }
  return devices.length;
}

/** `gmv org rekey` on its own: a security officer in a session. */
export async function rekeyOrg(vault: Vault, officer: KeyHolder, reason: string): Promise<RekeyView> {
  if (!isDisplayName(reason)) throw new GmvError('INVALID_INPUT', { what: '--reason', detail: 'detail.rekeyReasonForm' });
  await authorize(vault, officer, 'org.rekey', null);
  const policy = await activePolicy(vault.store.db);
  const material = await prepareRekey(vault, officer, policy);
  try {
    return await commitChange(vault, (trx) => rekeyIn(trx, vault, material, officer.login, reason, policy), { by: officer });
  } finally {
    wipeRekey(material);
  }
}
