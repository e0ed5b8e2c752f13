/** Passphrase key derivation: argon2id with parameters stored beside the result and authenticated there. */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { GmvError } from '../errors.js';
import type { Secret } from './secret.js';

export interface KdfParams {
  alg: 'argon2id';
  /** memory in KiB */
  m: number;
  t: number;
  p: number;
  salt: string;
}

export interface KdfCost { memoryKiB: number; iterations: number; parallelism: number }

/** The floor the security model sets; policies may raise it, never lower it. */
export const MIN_KDF: KdfCost = { memoryKiB: 65536, iterations: 3, parallelism: 4 };

export function newKdfParams(cost: KdfCost): KdfParams {
  return { alg: 'argon2id', m: cost.memoryKiB, t: cost.iterations, p: cost.parallelism, salt: randomBytes(16).toString('base64') };
}

/**
 * Raw 32-byte argon2id output. Parameters below the floor (or not numbers, or no salt) are an
 * integrity failure: gmv never writes them, so a record holding them was altered to weaken the KDF.
 * `what` names the record in the error.
 */
export async function deriveKey(passphrase: Secret, params: KdfParams, what = 'what.passphraseLock'): Promise<Buffer> {
  const whole = (n: unknown, min: number) => typeof n === 'number' && Number.isSafeInteger(n) && n >= min;
  if (params?.alg !== 'argon2id' || !whole(params.m, MIN_KDF.memoryKiB) || !whole(params.t, MIN_KDF.iterations) || !whole(params.p, MIN_KDF.parallelism)
    || typeof params.salt !== 'string' || Buffer.from(params.salt, 'base64').length < 16) {
    throw new GmvError('KDF_PARAMS_INVALID', { what, floor: `m=${MIN_KDF.memoryKiB} KiB, t=${MIN_KDF.iterations}, p=${MIN_KDF.parallelism}` });
  }
  const argon2 = await import('argon2');
  return argon2.hash(passphrase.reveal(), {
    type: argon2.argon2id,
    memoryCost: params.m,
    timeCost: params.t,
    parallelism: params.p,
    salt: Buffer.from(params.salt, 'base64'),
    hashLength: 32,
    raw: true,
  });
}

/** Bind a passphrase-derived key to a device secret: neither alone opens anything. */
export function bindToDevice(passphraseKey: Uint8Array, deviceSecret: Uint8Array, context: string): Buffer {
  const ikm = Buffer.concat([passphraseKey, deviceSecret]);
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), Buffer.from(`gmv/${context}`, 'utf8'), 32));
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
