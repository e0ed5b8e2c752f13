/**
 * How much gmv reads from any file or standard input a user hands it, and the one reader that stops
 * there. The limits are constants, not policy values: several inputs are read before a vault (and so
 * its policy pack) exists or is trusted — the passphrase at init and login, the policy pack itself,
 * an auditor's files — and a limit must hold before the first byte is read.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { GmvError } from '../errors.js';
import { decodeUtf8 } from '../domain/import/utf8.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Upper bounds, in bytes, of each kind of input; far above any honest input, far below harm. */
export const INPUT_LIMITS = {
  /** A passphrase or a one-time code (--passphrase-file, --new-passphrase-file, --totp-file). */
  passphrase: 4 * KiB,
  /** One credential field (secret set --from-file, rotate confirm --totp-file / --recovery-file): notes and recovery-code lists included. */
  secretValue: 64 * KiB,
  /** An export for gmv import (Bitwarden JSON/CSV, KeePassXC CSV, an otpauth list). */
  importFile: 32 * MiB,
  /** A policy pack (gmv init --policy). */
  policyPack: 1 * MiB,
  /** A year's working-day calendar (gmv calendar import): a few dozen lines of YAML. */
  calendarFile: 1 * MiB,
  /** An armored recovery key or one recovery share (gmv recover). */
  recoveryFile: 64 * KiB,
  /** An auditor's file: an exported checkpoint, its signature, a pinned organisation key. */
  auditorFile: 1 * MiB,
  /** A compliance report handed back for gmv report verify. */
  reportFile: 64 * MiB,
  /** This terminal's device key file. */
  deviceFile: 1 * MiB,
} as const;

const CHUNK = 64 * KiB;

/** "4 KiB", "32 MiB": limits as people read them. */
export function formatLimit(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

/** How a source is named in messages: its path, or "standard input" for "-". */
export function sourceName(source: string): string {
  return source === '-' ? 'standard input' : source;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Read `source` (a path, or "-" for standard input) whole, refusing with INPUT_TOO_LARGE once it
 * holds more than `limit` bytes: at most `limit` + 1 bytes are ever read, in fixed chunks, so
 * /dev/zero or an endless FIFO ends at once. Chunks are zeroed after use (the content may be a
 * secret); the caller owns, and should wipe, the returned buffer.
 */
export function readBounded(source: string, limit: number, what: string): Buffer {
  // A FIFO, a terminal or a pipe can block this thread in the kernel (a FIFO without a writer blocks
  // in open()); a regular file cannot.
  return source === '-' || mayBlock(source) ? interruptible(() => readWhole(source, limit, what)) : readWhole(source, limit, what);
}

/** Whether `path` names something other than a regular file; a path stat cannot read is left to the read to report. */
function mayBlock(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === false;
  } catch {
    return false;
  }
}

/**
 * Run a read that may block in the kernel with Ctrl+C at its default action: gmv ends (killed by
 * SIGINT, exit 130 as shells report it), as `cat` would, instead of the signal waiting for a handler
 * this blocked thread cannot run. Nothing is written while input is read; the handlers come back after.
 */
function interruptible<T>(read: () => T): T {
  const handlers = process.rawListeners('SIGINT') as ((...args: unknown[]) => void)[];
  process.removeAllListeners('SIGINT');
  try {
    return read();
  } finally {
    for (const handler of handlers) process.on('SIGINT', handler);
  }
}

function readWhole(source: string, limit: number, what: string): Buffer {
  let fd: number;
  try {
    fd = source === '-' ? 0 : openSync(source, 'r');
  } catch (error) {
    throw readError(source, error);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = Buffer.alloc(Math.min(CHUNK, limit + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        chunk.fill(0);
        // A non-blocking standard input (a pipe whose writer is slow) has no data yet: wait for it.
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          sleep(5);
          continue;
        }
        throw readError(source, error);
      }
      if (n === 0) {
        chunk.fill(0);
        break;
      }
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw new GmvError('INPUT_TOO_LARGE', { path: sourceName(source), limit: formatLimit(limit), what });
    }
    return Buffer.concat(chunks, total);
  } finally {
    for (const chunk of chunks) chunk.fill(0);
    if (fd !== 0) closeSync(fd);
  }
}

function readError(source: string, error: unknown): GmvError {
  if (error instanceof GmvError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new GmvError('FILE_NOT_FOUND', { path: source });
  return new GmvError('FILE_UNREADABLE', { path: sourceName(source), detail: code ?? 'read error' }, { cause: error });
}

/** `readBounded` as UTF-8 text, for files that hold no secret. */
export function readBoundedText(source: string, limit: number, what: string): string {
  return readBounded(source, limit, what).toString('utf8');
}

/**
 * A user's text file (an export, a slug map, a calendar) read as {@link readBounded} reads it and
 * strictly UTF-8: a GBK or Latin-1 file is INPUT_NOT_UTF8 naming its first bad line, not text
 * with U+FFFD in it. The bytes are wiped once decoded (an export holds passwords).
 */
export function readUtf8Text(source: string, limit: number, what: string): string {
  const bytes = readBounded(source, limit, what);
  const decoded = decodeUtf8(bytes);
  bytes.fill(0);
  if ('badLine' in decoded) throw new GmvError('INPUT_NOT_UTF8', { path: source, line: decoded.badLine });
  return decoded.text;
}
