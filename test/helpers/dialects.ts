/** One suite, every dialect: fresh SQLite files and fresh PostgreSQL databases for each test. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { StoreTarget } from '../../src/store/store.js';
import type { LocalPaths } from '../../src/local/paths.js';

export type DialectName = 'sqlite' | 'postgres';

export function dialects(): DialectName[] {
  return inject('pgUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A new empty database on the maintenance server; returns its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const admin = inject('pgUrl');
  if (!admin) throw new Error('PostgreSQL is not available in this run');
  const { default: pg } = await import('pg');
  const name = `gmv_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A temp "terminal": its own XDG dirs (device keys) and a vault location for the dialect. */
export interface Sandbox {
  dir: string;
  paths: LocalPaths;
  target: StoreTarget;
  /** Environment for a spawned gmv pointing at this sandbox. */
  env: Record<string, string>;
}

export async function sandbox(dialect: DialectName): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'gmv-test-'));
  const config = join(dir, 'config');
  const data = join(dir, 'data');
  mkdirSync(config, { recursive: true });
  const paths: LocalPaths = { defaultVault: join(data, 'gmv', 'vault.db'), devicesDir: join(config, 'gmv', 'devices'), runtimeDir: join(config, 'gmv', 'run') };
  const env: Record<string, string> = { HOME: dir, XDG_CONFIG_HOME: config, XDG_DATA_HOME: data };
  if (dialect === 'postgres') {
    const url = await freshPostgresUrl();
    env.GMV_DATABASE_URL = url;
    return { dir, paths, target: { kind: 'postgres', url }, env };
  }
  return { dir, paths, target: { kind: 'sqlite', path: paths.defaultVault }, env };
}

/** Another terminal on the same vault: same database, its own config dir (no device key yet). */
export function otherTerminal(box: Sandbox, name: string): Sandbox {
  const config = join(box.dir, `config-${name}`);
  mkdirSync(config, { recursive: true });
  return { ...box, paths: { ...box.paths, devicesDir: join(config, 'gmv', 'devices'), runtimeDir: join(config, 'gmv', 'run') }, env: { ...box.env, XDG_CONFIG_HOME: config } };
}
