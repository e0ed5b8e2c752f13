/** Passphrase key derivation: argon2id with parameters stored beside the result and authenticated there. */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
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

/** Raw 32-byte argon2id output. Parameters below the floor are refused, so a tampered record cannot weaken the KDF. */
export async function deriveKey(passphrase: Secret, params: KdfParams): Promise<Buffer> {
  if (params.alg !== 'argon2id' || params.m < MIN_KDF.memoryKiB || params.t < MIN_KDF.iterations || params.p < MIN_KDF.parallelism) {
    throw new Error('key-derivation parameters below the minimum');
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
