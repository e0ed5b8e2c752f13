/** Which vault a command means, from flags and environment alone (no database driver, no error catalogue loaded). */
import { resolve } from 'node:path';
import type { LocalPaths } from './paths.js';

export type StoreTarget =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string };

/** --vault, else GMV_DATABASE_URL (PostgreSQL), else GMV_VAULT, else the XDG default. */
export function resolveTarget(flagVault: string | undefined, env: NodeJS.ProcessEnv, paths: LocalPaths): StoreTarget {
  if (flagVault) return { kind: 'sqlite', path: flagVault };
  if (env.GMV_DATABASE_URL) return { kind: 'postgres', url: env.GMV_DATABASE_URL };
  return { kind: 'sqlite', path: env.GMV_VAULT || paths.defaultVault };
}

/** A printable name of the vault: the absolute file path, or the URL without its password. */
export function targetLocation(target: StoreTarget): string {
  return target.kind === 'sqlite' ? resolve(target.path) : redactUrl(target.url);
}

/** postgres://user:secret@host/db?password=x -> postgres://user@host/db (passwords and key passphrases dropped) */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass|secret|key/i.test(name)) parsed.searchParams.delete(name);
    }
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
