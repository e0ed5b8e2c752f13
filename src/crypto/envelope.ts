/**
 * AES-256-GCM envelopes (node:crypto). The header (algorithm, key-derivation parameters, context)
 * is authenticated as associated data, so a changed parameter fails decryption instead of weakening it.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { freshBytes } from './random.js';
import { canonicalJson } from '../domain/canonical.js';
import { GmvError } from '../errors.js';

export interface Envelope<H extends Record<string, unknown> = Record<string, unknown>> {
  v: 1;
  alg: 'A256GCM';
  header: H;
  iv: string;
  ct: string;
  tag: string;
}

/**
 * A wrong key or altered data. Callers that can tell a wrong passphrase apart catch it; anywhere
 * else it is what it says, an integrity failure (exit 6) naming where the envelope is stored.
 */
export class EnvelopeError extends GmvError {
  constructor(what = 'what.storedEnvelope') {
    super('SEALED_DATA_TAMPERED', { what });
    this.name = 'EnvelopeError';
  }
}

/** Encrypt `plaintext` under a 32-byte key; `header` travels in clear but is authenticated. */
export function seal<H extends Record<string, unknown>>(key: Uint8Array, plaintext: Uint8Array, header: H): Envelope<H> {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const iv = freshBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(header));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { v: 1, alg: 'A256GCM', header, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Decrypt; throws EnvelopeError when the key is wrong or anything (header included) was altered. */
export function open(key: Uint8Array, envelope: Envelope, what?: string): Buffer {
  if (envelope.v !== 1 || envelope.alg !== 'A256GCM') throw new EnvelopeError(what);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(aad(envelope.header));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]);
  } catch {
    throw new EnvelopeError(what);
  }
}

export function parseEnvelope(text: string, what?: string): Envelope {
  let value: Envelope;
  try {
    value = JSON.parse(text) as Envelope;
  } catch {
    throw new EnvelopeError(what);
  }
  if (value?.v !== 1 || value.alg !== 'A256GCM' || typeof value.ct !== 'string' || typeof value.header !== 'object' || value.header === null) throw new EnvelopeError(what);
  return value;
}

function aad(header: Record<string, unknown>): Buffer {
  return Buffer.from(canonicalJson({ alg: 'A256GCM', header }), 'utf8');
}
