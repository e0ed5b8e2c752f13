/** Where gmv writes a file a person asked for: checked before any work, so a typo costs nothing. */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GmvError } from '../errors.js';

/**
 * Refuse an output path whose folder is missing (OUTPUT_DIR_MISSING: "create the directory first"),
 * not a folder or not writable (OUTPUT_UNWRITABLE), or that already exists (OUTPUT_EXISTS).
 */
export function checkOutputPath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new GmvError('OUTPUT_DIR_MISSING', { path, dir });
  if (!statSync(dir).isDirectory()) throw new GmvError('OUTPUT_UNWRITABLE', { path, dir, detail: 'detail.outputNotDirectory' });
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new GmvError('OUTPUT_UNWRITABLE', { path, dir, detail: 'detail.outputNoPermission' });
  }
  if (existsSync(path)) throw new GmvError('OUTPUT_EXISTS', { path });
}
