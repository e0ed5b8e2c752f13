/**
 * gmv audit witness: hand the vault's newest signed checkpoint to a second place (a supervising
 * office's folder or share), signed by this terminal's device key. Run from cron: a checkpoint
 * already witnessed there is left as it is, and nothing is ever overwritten. It writes nothing
 * into the vault (a witness entry per run would only grow the log it watches).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GmvError } from '../errors.js';
import { signDetached, fingerprintOf } from '../crypto/pgp.js';
import { inspectHead } from '../audit/tail.js';
import { witnessFileName, witnessText } from '../audit/witness.js';
import { readSeen, rememberSeen } from '../local/seen-checkpoint.js';
import { deviceSigner, terminalDevice, type Vault } from './vault.js';

export interface WitnessResult {
  dir: string;
  file: string;
  signature: string;
  size: number;
  root: string;
  /** The checkpoint was witnessed in this folder before: nothing was written. */
  already: boolean;
}

export async function witnessCheckpoint(vault: Vault, options: { outDir: string }): Promise<WitnessResult> {
  const device = terminalDevice(vault);
  if (!device) throw new GmvError('DEVICE_KEY_MISSING', { vault: vault.vaultId, path: vault.paths.devicesDir });
  const key = await deviceSigner(vault, device);
  if (!key) throw new GmvError('DEVICE_NOT_AUTHORIZED', { device: device.deviceId, reason: 'detail.witnessKeyUncertified' });
  if (existsSync(options.outDir) && !statSync(options.outDir).isDirectory()) {
    throw new GmvError('INVALID_INPUT', { what: '--out', detail: 'detail.outputNotDirectory', dir: options.outDir });
  }
  // The same checks as a writer's: the newest valid checkpoint, extending what this terminal saw.
  const head = await inspectHead(vault.store.db, vault.vaultId, readSeen(vault.paths.devicesDir, vault.vaultId));
  const checkpoint = head.checkpoint;
  if (!checkpoint) throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.noCheckpoint' });
  const file = join(options.outDir, witnessFileName(vault.vaultId, checkpoint.size, checkpoint.root));
  const signature = `${file}.sig`;
  const result = { dir: options.outDir, file, signature, size: checkpoint.size, root: checkpoint.root };
  rememberSeen(vault.paths.devicesDir, vault.vaultId, { size: checkpoint.size, root: checkpoint.root, peaks: head.atCheckpoint.peaks().map((p) => p.toString('hex')), at: checkpoint.at, org: head.org });
  if (existsSync(file)) return { ...result, already: true };
  if (existsSync(signature)) throw new GmvError('OUTPUT_EXISTS', { path: signature });
  const text = witnessText({
    kind: 'gmv.audit.witness',
    v: 1,
    vault: vault.vaultId,
    checkpoint: checkpoint.body,
    checkpoint_signer: checkpoint.signer,
    checkpoint_signature: checkpoint.signature,
    device: device.deviceId,
    device_key: fingerprintOf(key),
    witnessed_at: vault.now().toISOString(),
  });
  mkdirSync(options.outDir, { recursive: true });
  // The signature first: a record is never seen without it.
  writeFileSync(signature, await signDetached(Buffer.from(text, 'utf8'), key), { flag: 'wx' });
  writeFileSync(file, text, { flag: 'wx' });
  return { ...result, already: false };
}
