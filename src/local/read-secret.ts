/** Secrets come from a file or standard input ("-"), never from argv or the environment. */
import { readFileSync } from 'node:fs';
import { GmvError } from '../errors.js';
import { Secret } from '../crypto/secret.js';

/** Read a passphrase-like secret; one trailing newline (LF or CRLF) is dropped, as `echo` adds it. */
export function readSecretFile(source: string, stdin: () => Buffer = () => readFileSync(0)): Secret {
  let raw: Buffer;
  try {
    raw = source === '-' ? stdin() : readFileSync(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GmvError('FILE_NOT_FOUND', { path: source });
    throw new GmvError('FILE_UNREADABLE', { path: source, detail: code ?? 'read error' }, { cause: error });
  }
  let end = raw.length;
  if (end > 0 && raw[end - 1] === 0x0a) end -= 1;
  if (end > 0 && raw[end - 1] === 0x0d) end -= 1;
  const secret = new Secret(raw.subarray(0, end));
  raw.fill(0);
  if (secret.length === 0) throw new GmvError('PASSPHRASE_EMPTY', { source: source === '-' ? 'standard input' : source });
  return secret;
}
