/**
 * gmv audit checkpoint export: an officer signs the current tree head with the organisation key
 * and writes it with its detached signature and the organisation public key, so that
 * `gpg --verify` needs nothing else.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GmvError } from '../errors.js';
import { Actions } from '../audit/entry.js';
import { EXPORT_FILES } from '../audit/signatures.js';
import { authorize } from './access.js';
import type { KeyHolder } from './keys.js';
import { orgKeyFor } from './officer-keys.js';
import { commitSignedChange, type Vault } from './vault.js';

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
    throw new GmvError('INVALID_INPUT', { what: '--out', detail: 'detail.outputNotDirectory', dir: options.outDir });
  }
  for (const path of paths) if (existsSync(path)) throw new GmvError('OUTPUT_EXISTS', { path });

  const person = options.holder;
  await authorize(vault, person, 'audit.checkpoint.export', null);
  const orgKey = await orgKeyFor(vault, person);
  const publicArmored = orgKey.toPublic().armor();

  mkdirSync(options.outDir, { recursive: true });
  // The organisation key signs this checkpoint (that is what the export is for); the files are
  // written before commit: if writing fails, the export is not recorded as done.
  const { checkpoint } = await commitSignedChange(vault, async () => ({
    result: undefined,
    audit: [{ action: Actions.checkpointExport, actor: person.login, subject: null, outcome: 'ok', details: { dir: options.outDir } }],
  }), { key: orgKey, beforeCommit: (signed) => {
    writeFileSync(paths[0]!, signed.text, { flag: 'wx' });
    writeFileSync(paths[1]!, signed.signature, { flag: 'wx' });
    writeFileSync(paths[2]!, publicArmored, { flag: 'wx' });
  } });
  if (!checkpoint) throw new GmvError('INTERNAL', { detail: 'detail.exportSignedNothing' });
  return { dir: options.outDir, files: paths, size: checkpoint.body.size, root: checkpoint.body.root, at: checkpoint.body.at, signer: checkpoint.signer };
}
