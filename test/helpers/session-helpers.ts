/** Shared by the identity and session suites: cleanup of agents, JSON results, audit queries. */
import { readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { gmv, type RunResult } from './cli.js';

/** Cleanup: `gmv lock` on each terminal, then ask any agent still listening under the sandbox to lock (in case gmv itself could not run). */
export async function lockAll(root: string | undefined, envs: (Record<string, string> | undefined)[]): Promise<void> {
  for (const env of envs) if (env) await gmv(['lock'], { env });
  if (!root) return;
  let sockets: string[] = [];
  try {
    sockets = readdirSync(root, { recursive: true, withFileTypes: true }).filter((d) => d.isSocket()).map((d) => join(d.parentPath, d.name));
  } catch {
    return;
  }
  await Promise.all(sockets.map((path) => new Promise<void>((resolve) => {
    const client = createConnection(path);
    client.setTimeout(2000, () => client.destroy());
    client.on('connect', () => client.end('{"op":"lock"}\n'));
    client.on('error', () => resolve());
    client.on('close', () => resolve());
  })));
}

export interface AuditEntry { seq: number; action: string; actor: string | null; subject: string | null; outcome: string; details: Record<string, unknown> }

export function parse<T = Record<string, unknown>>(result: RunResult): T {
  expect(result.code, `exit ${result.code}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

export async function audit(env: Record<string, string>, action?: string): Promise<AuditEntry[]> {
  return parse<{ entries: AuditEntry[] }>(await gmv(['audit', 'log', '--json', ...(action ? ['--action', action] : [])], { env })).entries;
}
