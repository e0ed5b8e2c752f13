/**
 * Worker thread of a backup's decryption (see backup-decrypt.ts): told the file, sends its recipient packets,
 * waits for the session key, then streams the plaintext, at most CHUNKS_AHEAD chunks ahead of the
 * reader. Each chunk is copied into a buffer of its own, which is transferred, not copied again.
 */
import { parentPort } from 'node:worker_threads';
import { CHUNKS_AHEAD, DecryptFailure, decryptFile, type FromWorker, type SessionKey, type ToWorker } from './backup-decrypt.js';
import { openpgp } from '../crypto/pgp.js';

const port = parentPort!;
// openpgp.js loads while the command is still finding its keys and target.
void openpgp();
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let ahead = 0;
let resume: (() => void) | null = null;
let keyed: ((key: SessionKey) => void) | null = null;
let opened: ((file: string) => void) | null = null;
// The file comes in the first message: the worker may be started before it is known.
const file = new Promise<string>((resolve) => { opened = resolve; });
port.on('message', (message: ToWorker) => {
  if (message.kind === 'open') opened?.(message.file);
  else if (message.kind === 'key') keyed?.(message.sessionKey);
  else {
    ahead--;
    resume?.();
  }
});

try {
  const stream = await decryptFile(await file, (packets) => new Promise<SessionKey>((resolve) => {
    keyed = resolve;
    send({ kind: 'recipients', packets });
  }));
  for await (const chunk of stream) {
    while (ahead >= CHUNKS_AHEAD) await new Promise<void>((resolve) => { resume = resolve; });
    resume = null;
    // A copy of its own, always: openpgp.js's chunks are views of buffers it may still read (the
    // MDC hash reads the same bytes), and transferring one would detach it under openpgp.js.
    const own = Uint8Array.prototype.slice.call(chunk);
    ahead++;
    send({ kind: 'chunk', data: own }, [own.buffer as ArrayBuffer]);
  }
  send({ kind: 'end' });
} catch (error) {
  if (error instanceof DecryptFailure) send({ kind: 'failed', stage: error.stage });
  else send({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
}
// The port stays open: the main thread stops this worker once it read the end (or gave up).
