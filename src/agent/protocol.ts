/**
 * The session agent's wire protocol: one JSON object per line over a 0600 Unix socket in a 0700
 * folder. The unlocked private key never crosses it: clients send data to decrypt or sign.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { LocalPaths } from '../local/paths.js';
import type { StoreTarget } from '../local/vault-location.js';

export interface SessionInfo {
  login: string;
  name: string;
  personId: number;
  deviceId: string;
  vaultId: string;
  keyFingerprint: string;
  startedAt: string;
  expiresAt: string;
  idleExpiresAt: string;
}

export type AgentRequest =
  | { op: 'status' }
  | { op: 'decrypt'; data: string }
  | { op: 'sign'; data: string }
  | { op: 'lock' }
  /** Run the reveal use case inside the agent, which keeps the vault open and its modules loaded. */
  | { op: 'reveal'; target: StoreTarget; slug: string; field?: 'password' | 'otp' | 'recovery' | 'login' | 'phone' | 'email' | 'notes' };

export type AgentResponse =
  | { ok: true; session?: SessionInfo; data?: string; result?: unknown }
  | { ok: false; error: string; code?: string; params?: Record<string, string | number> };

/** What `gmv login` hands the agent on its standard input (never argv or environment). */
export interface AgentBoot {
  socketPath: string;
  /** This terminal's paths (device key, runtime dir), for use cases the agent runs. */
  paths: LocalPaths;
  privateKey: string;
  session: Omit<SessionInfo, 'startedAt' | 'expiresAt' | 'idleExpiresAt'>;
  idleSeconds: number;
  maxSeconds: number;
}

/**
 * One agent per (vault, terminal): the name hashes the vault's location and this terminal's
 * device folder, so two vaults or two terminals sharing a runtime dir never meet.
 */
export function agentSocketPath(runtimeDir: string, vaultLocation: string, devicesDir: string): string {
  const tag = createHash('sha256').update(`${vaultLocation}\n${devicesDir}`).digest('hex').slice(0, 16);
  return join(runtimeDir, `agent-${tag}.sock`);
}
