/** Evidence files of a checklist step: their SHA-256, size and base name, read in chunks (a scan or a video can be large). */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { GmvError } from '../errors.js';
import type { RecordEvidence } from '../domain/checklist-record.js';

/**
 * Evidence is a regular file only: its hash must be checkable again later, and with no size limit a
 * device (/dev/zero) would be hashed forever. Opened non-blocking so a FIFO without a writer is
 * refused instead of blocking in open(), where not even Ctrl+C reaches gmv.
 */
export function hashEvidence(path: string): RecordEvidence {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GmvError('FILE_NOT_FOUND', { path });
    throw new GmvError('FILE_UNREADABLE', { path, detail: code ?? 'read error' });
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new GmvError('FILE_UNREADABLE', { path, detail: 'detail.notRegularFile' });
  }
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  let size = 0;
  try {
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;) {
      hash.update(chunk.subarray(0, n));
      size += n;
    }
  } catch (error) {
    throw new GmvError('FILE_UNREADABLE', { path, detail: (error as NodeJS.ErrnoException).code ?? 'read error' });
  } finally {
    closeSync(fd);
  }
  return { name: basename(path), sha256: hash.digest('hex'), size };
}
