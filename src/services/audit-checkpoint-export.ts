/**
 * gmv audit checkpoint export: an officer signs the current tree head with the organisation key
 * and writes it with its detached signature and the organisation public key, so that
 * `gpg --verify` needs nothing else.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GmvError } from '../errors.js';
import { appendAudit, keySigner, writeCheckpoint } from '../audit/log.js';
import { Actions } from '../audit/entry.js';
import { EXPORT_FILES } from '../audit/signatures.js';
import { writeTransaction } from '../store/store.js';
import { authorize } from './access.js';
import type { KeyHolder } from './keys.js';
import { orgKeyFor } from './officer-keys.js';
import type { Vault } from './vault.js';

export { EXPORT_FILES };

export interface ExportOptions {
  outDir: string;
  /** The officer who signs: unlocked here with a passphrase, or the session's person. */
  holder: KeyHolder & { deviceId: string };
}

export interface ExportResult {
  dir: string;
  files: string[];
  size: number;
  root: string;
  at: string;
  signer: string;
}

export async function exportCheckpoint(vault: Vault, options: ExportOptions): Promise<ExportResult> {
  const paths = Object.values(EXPORT_FILES).map((f) => join(options.outDir, f));
  if (existsSync(options.outDir) && !statSync(options.outDir).isDirectory()) {
    throw new GmvError('INVALID_INPUT', { what: '--out', detail: `${options.outDir} is not a directory` });
  }
  for (const path of paths) if (existsSync(path)) throw new GmvError('OUTPUT_EXISTS', { path });

  const person = options.holder;
  await authorize(vault, person, 'audit.checkpoint.export', null);
  const orgKey = await orgKeyFor(vault, person);
  const publicArmored = orgKey.toPublic().armor();

  mkdirSync(options.outDir, { recursive: true });
  const checkpoint = await writeTransaction(vault.store, async (trx) => {
    const writer = { vaultId: vault.vaultId, deviceId: person.deviceId, now: vault.now };
    await appendAudit(trx, writer, [{ action: Actions.checkpointExport, actor: person.login, subject: null, outcome: 'ok', details: { dir: options.outDir } }]);
    const signed = await writeCheckpoint(trx, writer, keySigner(orgKey));
    // Files are written before commit: if writing fails, the export is not recorded as done.
    writeFileSync(paths[0]!, signed.text, { flag: 'wx' });
    writeFileSync(paths[1]!, signed.signature, { flag: 'wx' });
    writeFileSync(paths[2]!, publicArmored, { flag: 'wx' });
    return signed;
  });
  return { dir: options.outDir, files: paths, size: checkpoint.body.size, root: checkpoint.body.root, at: checkpoint.body.at, signer: checkpoint.signer };
}
