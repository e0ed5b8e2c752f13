/**
 * The decryption of a backup file, on a worker thread where the bundle has one: AES, the MDC's
 * SHA-1 and openpgp.js's streams cost a third of a restore's main thread, and run there beside the
 * parsing and inserting. The session key is still found on the main thread (a recovery key file, or
 * the session agent of the officer it was made for): the worker sends the message's recipient
 * packets, receives the session key, and streams the plaintext back a bounded number of chunks
 * ahead. Without a bundle (the TypeScript sources under test) the same steps run in this thread.
 */
import { existsSync, createReadStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { openpgp } from '../crypto/pgp.js';
import { bundleFile } from '../package-root.js';

export interface SessionKey { data: Uint8Array; algorithm: string }

/** Where decryption stopped: the file is no OpenPGP message, or its encrypted data does not open with the key. */
export class DecryptFailure extends Error {
  constructor(readonly stage: 'read' | 'decrypt') {
    super(`backup ${stage} failed`);
  }
}

/**
 * The plaintext of the OpenPGP message in `file`: `keyFor` gets its public-key-encrypted session
 * key packets and returns the session key (or throws). The stream fails at its end when the file
 * was altered (the MDC is checked after the last byte).
 */
export async function decryptFile(file: string, keyFor: (packets: Uint8Array) => Promise<SessionKey>): Promise<AsyncIterable<Uint8Array>> {
  const pgp = await openpgp();
  let message;
  try {
    // Read in large pieces: openpgp.js's streams cost per chunk, and the default 64 KiB gives a 65 MB backup a thousand.
    message = await pgp.readMessage({ binaryMessage: Readable.toWeb(createReadStream(file, { highWaterMark: 1024 * 1024 })) as ReadableStream<Uint8Array> });
  } catch {
    throw new DecryptFailure('read');
  }
  const sessionKey = await keyFor(message.packets.filterByTag(pgp.enums.packet.publicKeyEncryptedSessionKey).write());
  try {
    const result = await pgp.decrypt({ message, sessionKeys: sessionKey as never, format: 'binary', config: { allowUnauthenticatedStream: true } });
    return result.data as unknown as AsyncIterable<Uint8Array>;
  } catch {
    throw new DecryptFailure('decrypt');
  }
}

/** The worker thread itself failed (it could not start, or stopped): a fault of gmv, never the backup's. */
export class DecryptWorkerFailed extends Error {}

/** Chunks (of about 1 MiB) the worker may send before the reader took them: bounds the memory. */
export const CHUNKS_AHEAD = 8;

/** Messages from the worker (src/services/backup-decrypt-worker.ts). */
export type FromWorker =
  | { kind: 'recipients'; packets: Uint8Array }
  | { kind: 'chunk'; data: Uint8Array }
  | { kind: 'end' }
  | { kind: 'failed'; stage: 'read' | 'decrypt' }
  | { kind: 'error'; message: string };

/** Messages to the worker. */
export type ToWorker = { kind: 'open'; file: string } | { kind: 'key'; sessionKey: SessionKey } | { kind: 'taken' };

/** A worker started ahead of need, so that its start-up (an isolate, openpgp.js) overlaps the command's own. */
let warm: Worker | null = null;

function workerScript(): string | null {
  const script = import.meta.url.endsWith('.ts') ? null : bundleFile('src/services/backup-decrypt-worker.js');
  return script !== null && existsSync(script) ? script : null;
}

/**
 * Start the decryption worker now, for a command that will decrypt a backup: it waits, not
 * holding the process open, until {@link decryptInWorker} gives it a file.
 */
export function warmDecryption(): void {
  const script = workerScript();
  if (warm || !script) return;
  try {
    warm = new Worker(pathToFileURL(script));
  } catch {
    // Only a head start is lost: decryptInWorker starts one when the file is known.
    return;
  }
  warm.unref();
  // A worker that failed to start is replaced by a new one when the file is known.
  warm.once('error', () => { warm = null; });
}

/**
 * {@link decryptFile} on a worker thread when the bundle has one. The returned stream stops the
 * worker when it ends, fails or is abandoned (`return()`); `stop()` stops it in any case.
 */
export async function decryptInWorker(file: string, keyFor: (packets: Uint8Array) => Promise<SessionKey>): Promise<{ stream: AsyncIterable<Uint8Array>; stop: () => void }> {
  const script = workerScript();
  if (script === null) return { stream: await decryptFile(file, keyFor), stop: () => undefined };
  const worker = warm ?? new Worker(pathToFileURL(script));
  warm = null;
  worker.ref();
  const stop = () => void worker.terminate();
  const queue: FromWorker[] = [];
  let wake: (() => void) | null = null;
  let gone: Error | null = null;
  worker.on('message', (message: FromWorker) => {
    queue.push(message);
    wake?.();
  });
  worker.once('error', (error) => {
    gone = new DecryptWorkerFailed(`backup worker thread failed: ${error.message}`, { cause: error });
    wake?.();
  });
  worker.once('exit', (code) => {
    gone ??= new DecryptWorkerFailed(`backup worker thread stopped (exit ${code})`);
    wake?.();
  });
  const next = async (): Promise<FromWorker> => {
    for (;;) {
      const message = queue.shift();
      if (message) return message;
      if (gone) throw gone;
      await new Promise<void>((resolve) => { wake = resolve; });
      wake = null;
    }
  };
  worker.postMessage({ kind: 'open', file } satisfies ToWorker);
  try {
    const first = await next();
    if (first.kind === 'failed') throw new DecryptFailure(first.stage);
    if (first.kind !== 'recipients') throw new DecryptWorkerFailed(`backup worker thread: ${first.kind === 'error' ? first.message : `unexpected ${first.kind}`}`);
    const sessionKey = await keyFor(first.packets);
    worker.postMessage({ kind: 'key', sessionKey } satisfies ToWorker);
    // The decryption's own refusal (a session key that does not open the data) comes before any
    // chunk. Anything else, a read that fails at once included (a file cut short in its first
    // packets), is the stream's: its reader names an alteration as it does further on.
    const opening = await next();
    if (opening.kind === 'failed') throw new DecryptFailure(opening.stage);
    queue.unshift(opening);
  } catch (error) {
    stop();
    throw error;
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const message = await next();
        if (message.kind === 'end') return;
        if (message.kind === 'chunk') {
          worker.postMessage({ kind: 'taken' } satisfies ToWorker);
          yield message.data;
        } else if (message.kind === 'failed') throw new DecryptFailure(message.stage);
        else if (message.kind === 'error') throw new Error(message.message);
      }
    } finally {
      stop();
    }
  }
  return { stream: chunks(), stop };
}
