/** Talking to this terminal's session agent; a missing, stale or expired agent means "log in". */
import { GmvError } from '../errors.js';
import type { AgentRequest, SessionInfo } from './protocol.js';
import { request } from './request.js';

export { request } from './request.js';

export interface AgentClient {
  readonly session: SessionInfo;
  decrypt(data: Uint8Array): Promise<Buffer>;
  sign(data: Uint8Array): Promise<Buffer>;
  sessionKey(packets: Uint8Array): Promise<{ data: Uint8Array; algorithm: string } | null>;
  lock(): Promise<void>;
}

/** The live session, or null when there is none (never started, locked, expired). */
export async function findSession(socketPath: string): Promise<AgentClient | null> {
  const status = await request(socketPath, { op: 'status' });
  if (!status || !status.ok || !status.session) return null;
  const session = status.session;
  const call = async (body: AgentRequest): Promise<Buffer> => {
    const response = await request(socketPath, body);
    if (!response || !response.ok) throw new GmvError('SESSION_REQUIRED', {});
    return Buffer.from(response.data ?? '', 'base64');
  };
  return {
    session,
    decrypt: (data) => call({ op: 'decrypt', data: Buffer.from(data).toString('base64') }),
    sign: (data) => call({ op: 'sign', data: Buffer.from(data).toString('base64') }),
    sessionKey: async (packets) => {
      const response = await request(socketPath, { op: 'session-key', data: Buffer.from(packets).toString('base64') });
      if (!response) throw new GmvError('SESSION_REQUIRED', {});
      if (!response.ok || typeof response.result !== 'string') return null;
      return { data: Buffer.from(response.data ?? '', 'base64'), algorithm: response.result };
    },
    lock: async () => {
      await request(socketPath, { op: 'lock', startedAt: session.startedAt });
    },
  };
}

/** The live session or the authentication error that tells the user to log in. */
export async function requireSession(socketPath: string): Promise<AgentClient> {
  const client = await findSession(socketPath);
  if (!client) throw new GmvError('SESSION_REQUIRED', {});
  return client;
}
