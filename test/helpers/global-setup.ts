/**
 * Start a throwaway PostgreSQL 15 for the run (unless GMV_TEST_DATABASE_URL names one), so that the
 * store, audit and CLI suites run on both dialects. GMV_REQUIRE_POSTGRES=1 (set by .ci/run) makes a
 * missing PostgreSQL an error instead of a SQLite-only run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
  }
}

const script = join(import.meta.dirname, '..', '..', 'scripts', 'pg-cluster.sh');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.GMV_TEST_DATABASE_URL;
  if (given) {
    project.provide('pgUrl', given);
    return async () => undefined;
  }
  const parent = mkdtempSync(join(tmpdir(), 'gmv-pg-'));
  const dir = join(parent, 'cluster');
  try {
    const port = await freePort();
    const url = execFileSync('bash', [script, 'start', dir, String(port)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    project.provide('pgUrl', url);
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    if (process.env.GMV_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required but could not start: ${(error as Error).message}`);
    process.stderr.write('PostgreSQL not available: running the SQLite half of the dialect suites only.\n');
    project.provide('pgUrl', null);
    return async () => undefined;
  }
  return async () => {
    execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore' });
    rmSync(parent, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
