/** Finding this sandbox's session agent as a process (by the socket it listens on) and waiting for it to end. */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Live (non-zombie) pids holding a Unix socket bound to `path`. */
export function socketOwners(path: string): number[] {
  const inodes = new Set(readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/)).filter((f) => f[7] === path).map((f) => f[6]!));
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue;
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) { pids.push(Number(entry)); break; }
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}

/** The agent sockets under a runtime dir. */
export function agentSockets(runtimeDir: string): string[] {
  if (!existsSync(runtimeDir)) return [];
  return readdirSync(runtimeDir).filter((n) => n.endsWith('.sock')).map((n) => join(runtimeDir, n));
}

/** Live processes whose title is the agent's (`gmv-agent`), by pid. */
export function agentPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('gmv-agent')) pids.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export async function waitGone(pid: number, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}
