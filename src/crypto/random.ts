/**
 * Random bytes for keys and IVs from the operating system's CSPRNG, drawn 8 KiB at a time: on this
 * kind of machine each small `randomBytes` call is a system call of about 20 µs, and an import of
 * 10,000 accounts asks for over 100,000 keys and IVs. Each value is copied out and its bytes in the
 * pool zeroed at once, so the pool never holds a value that was handed out.
 */
import { randomFillSync } from 'node:crypto';

const POOL = 8192;
const pool = Buffer.alloc(POOL);
let offset = POOL;

export function freshBytes(length: number): Buffer {
  if (length > POOL / 4) return randomFillSync(Buffer.alloc(length));
  if (offset + length > POOL) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + length));
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}
