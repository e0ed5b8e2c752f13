/**
 * gmv init: a new vault with its organisation, first unit and first security officer, the
 * organisation's OpenPGP key, the officer's personal key and this terminal's device key.
 */
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { checkOutputPath } from '../local/output-path.js';
import { openStore, removeSqliteFiles, writeTransaction, type StoreTarget } from '../store/store.js';
import { GmvError } from '../errors.js';
import { DAY_MS } from '../domain/dates.js';
import type { Secret } from '../crypto/secret.js';
import { generateKey, readPrivate, readPublic } from '../crypto/pgp.js';
import { sha256Hex } from '../crypto/kdf.js';
import { buildCrl, certFingerprint, createDeviceCa } from '../crypto/x509.js';
import { splitSecret, encodeShare } from '../crypto/shamir.js';
import { parsePolicy, type Policy } from '../policy/policy.js';
import { checkPassphrase } from '../policy/passphrase-rules.js';
import { isDisplayName, isLoginHandle } from '../domain/names.js';
import { sealPersonKey, sealWithDataKey, wrapFor, wrapForPeople } from './keys.js';
import { newDeviceMaterial, certifyDevice, certifyPersonKey, insertDevice, saveDeviceFile } from './device-provision.js';
import { keySigner } from '../audit/log.js';
import { POLICY_META, recordAudit } from './vault.js';
import { sealPeople, sealPolicy } from './state-seals.js';
import { Actions } from '../audit/entry.js';
import { deviceFilePath } from '../local/device-file.js';
import type { LocalPaths } from '../local/paths.js';

export interface InitOptions {
  target: StoreTarget;
  paths: LocalPaths;
  org: string;
  unit: string;
  officerName: string;
  login: string;
  passphrase: Secret;
  policy: { text: string; source: string };
  commonPasswords: ReadonlySet<string>;
  /** Where the organisation recovery key goes (written once, 0600), optionally split k-of-n. */
  recovery: { out: string; shares?: number; threshold?: number };
  now?: () => Date;
}

export interface InitResult {
  vaultId: string;
  location: string;
  org: string;
  unit: string;
  login: string;
  orgFingerprint: string;
  officerFingerprint: string;
  deviceId: string;
  deviceFile: string;
  caFingerprint: string;
  recoveryFingerprint: string;
  recoveryFiles: string[];
}

export async function initVault(options: InitOptions): Promise<InitResult> {
  const now = options.now ?? (() => new Date());
  for (const [what, value] of [['what.orgName', options.org], ['what.unitName', options.unit], ['what.officerName', options.officerName]] as const) {
    if (!isDisplayName(value)) throw new GmvError('INVALID_INPUT', { what, detail: 'detail.emptyPaddedSpacesControls' });
  }
  if (!isLoginHandle(options.login)) {
    throw new GmvError('INVALID_INPUT', { what: 'what.loginHandle', detail: 'detail.loginHandleForm', login: options.login });
  }
  const policy = await parsePolicy(options.policy.text, options.policy.source);
  enforcePassphrase(options.passphrase, options.login, policy, options.commonPasswords);
  const recoveryFiles = recoveryPaths(options.recovery);
  for (const path of recoveryFiles) checkOutputPath(path);

  // In create mode openStore makes a new file (or fails without touching an existing one).
  const store = await openStore(options.target, { mode: 'create' });
  const sqlitePath = options.target.kind === 'sqlite' ? options.target.path : null;
  let deviceFile: string | undefined;
  const written: string[] = [];
  let committed = false;
  try {
    const vaultId = randomUUID();
    const deviceId = randomUUID();
    const at = now();
    const createdAt = at.toISOString();
    const [orgKey, officerKey, recoveryKey, device] = await Promise.all([
      generateKey(options.org, 'gmv organisation key'),
      generateKey(options.officerName, `gmv person ${options.login}`),
      generateKey(options.org, 'gmv organisation recovery key'),
      newDeviceMaterial(deviceId, options.login, options.org),
    ]);
    const orgPrivate = await readPrivate(orgKey.privateArmored);
    const officerPublic = await readPublic(officerKey.publicArmored);
    const recoveryPublic = await readPublic(recoveryKey.publicArmored);
    const ca = createDeviceCa({ org: options.org, vaultId, now: at, validDays: policy.devices.caDays });
    const caFingerprint = certFingerprint(ca.certPem);

    // Org and CA private keys are sealed under data keys that only officers (and the recovery key) unwrap.
    const org = sealWithDataKey(Buffer.from(orgKey.privateArmored, 'utf8'), { purpose: 'org-key', fingerprint: orgKey.fingerprint });
    const caSealed = sealWithDataKey(Buffer.from(ca.keyPem, 'utf8'), { purpose: 'device-ca', fingerprint: caFingerprint });
    const officerLock = await sealPersonKey(officerKey.privateArmored, options.passphrase, device.secret.reveal(),
      { login: options.login, fingerprint: officerKey.fingerprint, deviceId }, policy.passphrase.kdf);
    const certified = await certifyDevice({
      vaultId, deviceId, login: options.login, signingFingerprint: device.signing.fingerprint, createdAt,
      ca, orgKey: orgPrivate, csrPem: device.csrPem, now: at, certificateDays: policy.devices.certificateDays,
    });
    const crl = buildCrl({ ca, revoked: [], crlNumber: 1, thisUpdate: at, nextUpdate: new Date(at.getTime() + policy.devices.crlDays * DAY_MS) });
    const policySha = sha256Hex(options.policy.text);

    deviceFile = deviceFilePath(options.paths.devicesDir, vaultId);
    saveDeviceFile(options.paths.devicesDir, vaultId, deviceId, device, caFingerprint);
    written.push(...writeRecovery(recoveryKey.privateArmored, options.recovery, recoveryFiles));

    await writeTransaction(store, async (trx) => {
      const existing = await trx.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirst();
      if (existing) throw new GmvError('VAULT_EXISTS', { path: store.location });
      await trx.insertInto('vault_meta').values([
        { key: 'vault_id', value: vaultId },
        { key: 'created_at', value: createdAt },
      ]).execute();
      await trx.insertInto('org').values({ id: 1, name: options.org, created_at: createdAt }).execute();
      await trx.insertInto('org_keys').values({ fingerprint: orgKey.fingerprint, public_key: orgKey.publicArmored, private_envelope: JSON.stringify(org.envelope), created_at: createdAt }).execute();
      await trx.insertInto('device_ca').values({ fingerprint: caFingerprint, cert_pem: ca.certPem, private_envelope: JSON.stringify(caSealed.envelope), created_at: createdAt }).execute();
      await trx.insertInto('crls').values({ crl_number: 1, pem: crl, this_update: createdAt, next_update: new Date(at.getTime() + policy.devices.crlDays * DAY_MS).toISOString() }).execute();
      const policyRow = await trx.insertInto('policies').values({ sha256: policySha, body: options.policy.text, applied_at: createdAt }).returning('id').executeTakeFirstOrThrow();
      await trx.insertInto('vault_meta').values({ key: POLICY_META.pack, value: String(policyRow.id) }).execute();
      const unit = await trx.insertInto('units').values({ name: options.unit, created_at: createdAt }).returning('id').executeTakeFirstOrThrow();
      const person = await trx.insertInto('people').values({
        login: options.login, name: options.officerName, unit_id: Number(unit.id), employer: null,
        roles: JSON.stringify(['security-officer']), status: 'active', created_at: createdAt,
      }).returning('id').executeTakeFirstOrThrow();
      const personId = Number(person.id);
      await trx.insertInto('person_keys').values({ fingerprint: officerKey.fingerprint, person_id: personId, public_key: officerKey.publicArmored, created_at: createdAt, retired_at: null, status: 'active' }).execute();
      await certifyPersonKey(trx, vaultId, orgPrivate, officerKey.fingerprint);
      // The first officer's roles and the pack in force, sealed by the organisation key they were made with.
      const orgSigner = keySigner(orgPrivate);
      await sealPeople(trx, vaultId, orgSigner, [personId], createdAt);
      await sealPolicy(trx, vaultId, orgSigner, { pack: policySha, override: null }, createdAt);
      await insertDevice(trx, { id: deviceId, personId, label: 'init terminal', material: device, createdAt, certified: { ...certified, approvedBy: options.login } });
      await trx.insertInto('person_key_locks').values({ person_id: personId, key_fingerprint: officerKey.fingerprint, device_id: deviceId, envelope: JSON.stringify(officerLock), created_at: createdAt }).execute();
      const officer = [{ personId, fingerprint: officerKey.fingerprint, publicKey: officerPublic }];
      await wrapForPeople(trx, { kind: 'org-key', ref: orgKey.fingerprint, version: 1 }, org.dataKey, officer, createdAt);
      await wrapForPeople(trx, { kind: 'device-ca', ref: caFingerprint, version: 1 }, caSealed.dataKey, officer, createdAt);
      const shares = options.recovery.shares ?? 1;
      await trx.insertInto('recovery_keys').values({ fingerprint: recoveryKey.fingerprint, public_key: recoveryKey.publicArmored, shares, threshold: options.recovery.threshold ?? 1, created_at: createdAt }).execute();
      const recoveryRecipient = [{ recipient: 'recovery' as const, fingerprint: recoveryKey.fingerprint, publicKey: recoveryPublic }];
      await wrapFor(trx, { kind: 'org-key', ref: orgKey.fingerprint, version: 1 }, org.dataKey, recoveryRecipient, createdAt);
      await wrapFor(trx, { kind: 'device-ca', ref: caFingerprint, version: 1 }, caSealed.dataKey, recoveryRecipient, createdAt);
      org.dataKey.fill(0);
      caSealed.dataKey.fill(0);

      // The same path every change takes (entries, then a checkpoint), signed by the new terminal's key.
      const writer = { vaultId, deviceId, now };
      await recordAudit(trx, writer, [
        { action: Actions.vaultInit, actor: options.login, subject: options.org, outcome: 'ok',
          details: { org_key: orgKey.fingerprint, device_ca: caFingerprint, recovery_key: recoveryKey.fingerprint, recovery_split: `${options.recovery.threshold ?? 1}-of-${shares}`, policy: options.policy.source, policy_sha256: policySha } },
        { action: 'unit.add', actor: options.login, subject: options.unit, outcome: 'ok', details: {} },
        { action: 'person.add', actor: options.login, subject: options.login, outcome: 'ok',
          details: { roles: ['security-officer'], key: officerKey.fingerprint } },
        { action: 'device.approve', actor: options.login, subject: deviceId, outcome: 'ok',
          details: { person: options.login, signing_key: device.signing.fingerprint, cert_serial: certified.serialHex } },
      ], keySigner(await readPrivate(device.signing.privateArmored)));
    });
    committed = true;
    return {
      vaultId, location: store.location, org: options.org, unit: options.unit, login: options.login,
      orgFingerprint: orgKey.fingerprint, officerFingerprint: officerKey.fingerprint, deviceId, deviceFile,
      caFingerprint, recoveryFingerprint: recoveryKey.fingerprint, recoveryFiles,
    };
  } finally {
    await store.close();
    if (!committed) {
      if (deviceFile) rmSync(deviceFile, { force: true });
      for (const path of written) rmSync(path, { force: true });
      if (sqlitePath) removeSqliteFiles(sqlitePath);
    }
  }
}

/** The policy's passphrase rules, as a coded error. */
export function enforcePassphrase(passphrase: Secret, login: string, policy: Policy, common: ReadonlySet<string>): void {
  const verdict = checkPassphrase(passphrase, login, policy.passphrase.minLength, common);
  if (verdict.ok) return;
  const reason = verdict.reason === 'too-short' ? 'detail.passphraseTooShort' : verdict.reason === 'common' ? 'detail.passphraseCommon' : 'detail.passphraseEqualsLogin';
  throw new GmvError('PASSPHRASE_WEAK', { reason, minLength: policy.passphrase.minLength });
}

function recoveryPaths(recovery: InitOptions['recovery']): string[] {
  const shares = recovery.shares ?? 1;
  const threshold = recovery.threshold ?? 1;
  if (shares === 1 && threshold === 1) return [recovery.out];
  if (!Number.isInteger(shares) || !Number.isInteger(threshold) || threshold < 2 || threshold > shares || shares > 255) {
    throw new GmvError('USAGE', { detail: 'detail.recoveryShares' });
  }
  return Array.from({ length: shares }, (_, i) => `${recovery.out}.${i + 1}`);
}

/** The armored recovery key, or one share per file; 0600, never overwriting. */
function writeRecovery(armored: string, recovery: InitOptions['recovery'], paths: string[]): string[] {
  const written: string[] = [];
  if (paths.length === 1) {
    writeFileSync(paths[0]!, armored, { mode: 0o600, flag: 'wx' });
    return [paths[0]!];
  }
  const shares = splitSecret(Buffer.from(armored, 'utf8'), recovery.shares!, recovery.threshold!);
  shares.forEach((share, i) => {
    writeFileSync(paths[i]!, `${encodeShare(share)}\n`, { mode: 0o600, flag: 'wx' });
    written.push(paths[i]!);
  });
  return written;
}

