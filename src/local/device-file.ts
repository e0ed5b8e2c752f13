/**
 * This terminal's device key for one vault: a random secret that every passphrase-derived key is
 * bound to, and the OpenPGP key the terminal signs audit checkpoints with. Kept 0600 in a 0700
 * folder outside the vault, so a copied database plus a passphrase opens nothing elsewhere.
 * The first person to enroll here owns `<vault>.json`; anyone else sharing the OS account gets
 * `<vault>.<login>.json`, so each keeps their own device.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GmvError } from '../errors.js';
import { Secret } from '../crypto/secret.js';

export interface DeviceKey {
  vaultId: string;
  deviceId: string;
  secret: Secret;
  /** Armored OpenPGP key the terminal signs checkpoints with. */
  signingKey: Secret;
  /** PKCS#8 PEM of the RSA key the device certificate is issued for. */
  rsaKey: Secret;
  /** SHA-256 fingerprint of the device CA this terminal enrolled under (pinned). */
  caFingerprint: string;
  /**
   * The enrollment code this terminal showed, so `gmv device enroll --show-code` can show it again
   * while the enrollment is pending (files written before this version have none).
   */
  enrollCode?: string;
  path: string;
}

interface DeviceFileV1 {
  format: 'gmv-device/1';
  vault_id: string;
  device_id: string;
  secret: string;
  signing_key: string;
  rsa_key: string;
  ca_fingerprint: string;
  enroll_code?: string;
}

/** The terminal's first device file for the vault, or (with `login`) that person's own beside it. */
export function deviceFilePath(devicesDir: string, vaultId: string, login?: string): string {
  return join(devicesDir, login === undefined ? `${vaultId}.json` : `${vaultId}.${login}.json`);
}

/**
 * Write a new device key (with `login`: that person's own file, for a terminal another person
 * enrolled first); refuses to replace an existing one (it may be the only way in).
 */
export function writeDeviceKey(devicesDir: string, key: Omit<DeviceKey, 'path'>, login?: string): string {
  mkdirSync(devicesDir, { recursive: true, mode: 0o700 });
  chmodSync(devicesDir, 0o700);
  const path = deviceFilePath(devicesDir, key.vaultId, login);
  if (existsSync(path)) throw new GmvError('OUTPUT_EXISTS', { path });
  const body: DeviceFileV1 = {
    format: 'gmv-device/1',
    vault_id: key.vaultId,
    device_id: key.deviceId,
    secret: key.secret.reveal().toString('base64'),
    signing_key: key.signingKey.revealString(),
    rsa_key: key.rsaKey.revealString(),
    ca_fingerprint: key.caFingerprint,
    ...(key.enrollCode ? { enroll_code: key.enrollCode } : {}),
  };
  writeFileSync(path, JSON.stringify(body, null, 2), { mode: 0o600, flag: 'wx' });
  return path;
}

/**
 * Read this terminal's key for `vaultId`: with `login`, that person's own file when they have one,
 * else the terminal's first; null when the terminal was never enrolled.
 */
export function readDeviceKey(devicesDir: string, vaultId: string, login?: string): DeviceKey | null {
  const own = login === undefined ? null : readOwnDeviceKey(devicesDir, vaultId, login);
  return own ?? readDeviceFile(deviceFilePath(devicesDir, vaultId), vaultId);
}

/** `login`'s own file beside the terminal's first (`<vault>.<login>.json`) only; null when they have none. */
export function readOwnDeviceKey(devicesDir: string, vaultId: string, login: string): DeviceKey | null {
  return readDeviceFile(deviceFilePath(devicesDir, vaultId, login), vaultId);
}

function readDeviceFile(path: string, vaultId: string): DeviceKey | null {
  if (!existsSync(path)) return null;
  let parsed: DeviceFileV1;
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    parsed = JSON.parse(readFileSync(path, 'utf8')) as DeviceFileV1;
  } catch (error) {
    throw new GmvError('DEVICE_KEY_MISMATCH', { path, detail: 'detail.deviceFileUnreadable' }, { cause: error });
  }
  if (parsed.format !== 'gmv-device/1' || parsed.vault_id !== vaultId || typeof parsed.secret !== 'string' || typeof parsed.device_id !== 'string') {
    throw new GmvError('DEVICE_KEY_MISMATCH', { path, detail: 'detail.deviceFileVault', vault: String(parsed.vault_id) });
  }
  return {
    vaultId,
    deviceId: parsed.device_id,
    secret: new Secret(Buffer.from(parsed.secret, 'base64')),
    signingKey: Secret.fromString(parsed.signing_key),
    rsaKey: Secret.fromString(parsed.rsa_key ?? ''),
    caFingerprint: parsed.ca_fingerprint ?? '',
    ...(typeof parsed.enroll_code === 'string' ? { enrollCode: parsed.enroll_code } : {}),
    path,
  };
}

/** Remove this terminal's key for a vault (a pending enrollment that is abandoned, or a revoked device); `login` as in {@link writeDeviceKey}. */
export function removeDeviceKey(devicesDir: string, vaultId: string, login?: string): void {
  rmSync(deviceFilePath(devicesDir, vaultId, login), { force: true });
}

/** Remove the device file `key` was read from (the terminal's first, or a person's own). */
export function forgetDeviceKey(key: DeviceKey): void {
  rmSync(key.path, { force: true });
}

/**
 * Pin the device CA a re-key handed this terminal over to (services/terminal.ts checks the hand-over
 * first). The file is replaced whole (written beside it, then renamed), never left half-written.
 */
export function repinCa(key: DeviceKey, caFingerprint: string): void {
  const body = JSON.parse(readFileSync(key.path, 'utf8')) as DeviceFileV1;
  body.ca_fingerprint = caFingerprint;
  const next = `${key.path}.${process.pid}.tmp`;
  writeFileSync(next, JSON.stringify(body, null, 2), { mode: 0o600, flag: 'wx' });
  renameSync(next, key.path);
  key.caFingerprint = caFingerprint;
}
