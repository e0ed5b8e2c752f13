/** A secret value that refuses to be printed: toString, JSON and util.inspect all show "(elided)". */
import { inspect } from 'node:util';

const ELIDED = '(elided)';

export class Secret {
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.from(bytes);
  }

  static fromString(value: string): Secret {
    return new Secret(Buffer.from(value, 'utf8'));
  }

  /** The only way to the value: call sites that reveal are easy to find. */
  reveal(): Buffer {
    return this.#bytes;
  }

  revealString(): string {
    return this.#bytes.toString('utf8');
  }

  get length(): number {
    return this.#bytes.length;
  }

  /** Overwrite the bytes once the secret is no longer needed (best effort: V8 may hold copies). */
  wipe(): void {
    this.#bytes.fill(0);
  }

  toString(): string {
    return ELIDED;
  }

  toJSON(): string {
    return ELIDED;
  }

  [inspect.custom](): string {
    return ELIDED;
  }
}
