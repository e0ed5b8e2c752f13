/** Files a command writes for the user: created new (never overwriting), public material only. */
import { rmSync, writeFileSync } from 'node:fs';
import { GmvError } from '../src/errors.js';
import { dirname, resolve } from 'node:path';
import { checkOutputPath } from '../src/local/output-path.js';

export function writeOutput(path: string, content: string | Uint8Array, mode = 0o644): void {
  checkOutputPath(path);
  try {
    writeFileSync(path, content, { flag: 'wx', mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new GmvError('OUTPUT_EXISTS', { path });
    if (code === 'ENOENT') throw new GmvError('OUTPUT_DIR_MISSING', { path, dir: dirname(resolve(path)) });
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      // The file was created by this call ('wx'), so the partial write is ours to remove.
      rmSync(path, { force: true });
      throw new GmvError('STORE_FULL', { path, detail: code });
    }
    throw new GmvError('FILE_UNREADABLE', { path, detail: code ?? 'detail.fileWriteError' });
  }
}
