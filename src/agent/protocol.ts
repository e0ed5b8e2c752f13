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
  /** What the person lacks or lapses within 30 days (login and whoami only; never in the agent's status). */
  notices?: TrainingNotice[];
}

export interface TrainingNotice {
  /** A course id, or 'nda'. */
  what: string;
  state: 'missing' | 'lapsed' | 'lapsing';
  /** The day it lapsed or lapses; null when missing. */
  date: string | null;
}

export type AgentRequest =
  | { op: 'status' }
  | { op: 'decrypt'; data: string }
  | { op: 'sign'; data: string }
  /** The session key of a message addressed to this key (its key packets only), e.g. a backup's. */
  | { op: 'session-key'; data: string }
  /**
   * Forget the key. With `startedAt`, only if this agent's session started then: a client that found
   * an earlier session (a command refused at the door, a login replacing it) never ends the one that
   * has since taken its socket. Without it, whoever listens locks (a new agent taking the socket).
   */
  | { op: 'lock'; startedAt?: string }
  /** Run the reveal use case inside the agent, which keeps the vault open and its modules loaded. */
  | { op: 'whoami'; target: StoreTarget }
  | { op: 'reveal'; target: StoreTarget; slug: string; field?: 'password' | 'otp' | 'recovery' | 'login' | 'phone' | 'email' | 'notes' };

export type AgentResponse =
  | { ok: true; session?: SessionInfo; data?: string; result?: unknown }
  | { ok: false; error: string; code?: string; params?: Record<string, string | number> };

/**
 * What `gmv login` hands the agent on its standard input (never argv or environment): this, as a
 * length-prefixed JSON header, then the binary private key up to the end of the stream (bytes that
 * can be zeroed, never a JavaScript string).
 */
export interface AgentBoot {
  socketPath: string;
  /** This terminal's paths (device key, runtime dir), for use cases the agent runs. */
  paths: LocalPaths;
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

export function encodeBoot(boot: AgentBoot): Buffer {
  const json = Buffer.from(JSON.stringify(boot), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json]);
}

/** Splits what the agent read from its standard input; the key is a view into `raw`, not a copy. */
export function decodeBoot(raw: Buffer): { boot: AgentBoot; key: Uint8Array } {
  const length = raw.readUInt32BE(0);
  const boot = JSON.parse(raw.subarray(4, 4 + length).toString('utf8')) as AgentBoot;
  return { boot, key: raw.subarray(4 + length) };
}
