/**
 * The largest signed checkpoint this terminal has seen of each vault (size, root and the Merkle
 * frontier at that size), kept beside the device file. A vault whose log is shorter than it, or
 * does not extend it, was cut or rewritten by someone with database access: gmv refuses it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GmvError } from '../errors.js';

export interface SeenCheckpoint {
  size: number;
  root: string;
  /** The tree's perfect-subtree roots at `size`, largest first (hex): extending them needs only the newer leaves. */
  peaks: string[];
  at: string;
  /** Fingerprint of the organisation key that vouched for it: the key this terminal trusts from then on. */
  org: string;
  /** Where it is remembered (not stored). */
  path?: string;
}

interface SeenFileV1 extends SeenCheckpoint {
  format: 'gmv-seen/1';
  vault_id: string;
}

export function seenFilePath(devicesDir: string, vaultId: string): string {
  return join(devicesDir, `${vaultId}.seen.json`);
}

/** What this terminal saw of `vaultId`; null when it never saw a checkpoint of it. */
export function readSeen(devicesDir: string, vaultId: string): SeenCheckpoint | null {
  const path = seenFilePath(devicesDir, vaultId);
  if (!existsSync(path)) return null;
  let parsed: SeenFileV1;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as SeenFileV1;
  } catch (error) {
    throw new GmvError('VAULT_CORRUPT', { path, detail: 'detail.seenUnreadable' }, { cause: error });
  }
  if (parsed.format !== 'gmv-seen/1' || parsed.vault_id !== vaultId || !Number.isSafeInteger(parsed.size) || parsed.size < 0
    || typeof parsed.root !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.root) || !Array.isArray(parsed.peaks)
    || !parsed.peaks.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p))) {
    throw new GmvError('VAULT_CORRUPT', { path, detail: 'detail.seenMalformed' });
  }
  return { size: parsed.size, root: parsed.root, peaks: parsed.peaks, at: String(parsed.at), org: String(parsed.org ?? ''), path };
}

/**
 * Remember `seen` if it is larger than what is remembered (atomically: a crash leaves the old or the
 * new record, never half of one). Another process of this terminal may have remembered more meanwhile.
 */
export function rememberSeen(devicesDir: string, vaultId: string, seen: SeenCheckpoint | null): void {
  if (!seen) return;
  const current = readSeen(devicesDir, vaultId);
  if (current && current.size >= seen.size) return;
  mkdirSync(devicesDir, { recursive: true, mode: 0o700 });
  chmodSync(devicesDir, 0o700);
  const path = seenFilePath(devicesDir, vaultId);
  const body: SeenFileV1 = { format: 'gmv-seen/1', vault_id: vaultId, size: seen.size, root: seen.root, peaks: seen.peaks, at: seen.at, org: seen.org };
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify(body, null, 2), { mode: 0o600, flag: 'wx' });
  renameSync(temp, path);
}
