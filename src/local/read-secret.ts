/** Secrets come from a file or standard input ("-"), never from argv or the environment. */
import { GmvError } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import { INPUT_LIMITS, readBounded, sourceName } from './input-limits.js';

/**
 * Read a passphrase-like secret of at most `limit` bytes (INPUT_TOO_LARGE beyond); one trailing
 * newline (LF or CRLF) is dropped, as `echo` adds it.
 */
export function readSecretFile(source: string, limit: number = INPUT_LIMITS.passphrase, what = 'a passphrase or one-time code'): Secret {
  const raw = readBounded(source, limit, what);
  let end = raw.length;
  if (end > 0 && raw[end - 1] === 0x0a) end -= 1;
  if (end > 0 && raw[end - 1] === 0x0d) end -= 1;
  const secret = new Secret(raw.subarray(0, end));
  raw.fill(0);
  if (secret.length === 0) throw new GmvError('PASSPHRASE_EMPTY', { source: sourceName(source) });
  return secret;
}
