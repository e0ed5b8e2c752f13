/** Talking to this terminal's session agent; a missing, stale or expired agent means "log in". */
import { createConnection } from 'node:net';
import { rmSync } from 'node:fs';
import { GmvError } from '../errors.js';
import type { AgentRequest, AgentResponse, SessionInfo } from './protocol.js';

export interface AgentClient {
  readonly session: SessionInfo;
  decrypt(data: Uint8Array): Promise<Buffer>;
  sign(data: Uint8Array): Promise<Buffer>;
  sessionKey(packets: Uint8Array): Promise<{ data: Uint8Array; algorithm: string } | null>;
  lock(): Promise<void>;
}

/** One request to the agent; null when no agent listens (or a stale socket was cleaned up). */
export function request(socketPath: string, body: AgentRequest): Promise<AgentResponse | null> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.setTimeout(10_000, () => socket.destroy(new Error('agent timeout')));
    socket.on('connect', () => socket.write(`${JSON.stringify(body)}\n`));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        socket.end();
        try {
          resolve(JSON.parse(buffered.slice(0, newline)) as AgentResponse);
        } catch {
          resolve({ ok: false, error: 'malformed agent reply' });
        }
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return resolve(null);
      if (error.code === 'ECONNREFUSED') {
        // The agent died without cleaning up (reboot, kill -9): its socket is stale.
        rmSync(socketPath, { force: true });
        return resolve(null);
      }
      // An agent that is exiting (locked, replaced by a racing login, expired) may reset the
      // connection mid-request: the session is gone, not the vault. Its socket is left alone: a new
      // agent may already own that path.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return resolve(null);
      reject(error);
    });
    socket.on('close', () => resolve(null));
  });
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
      await request(socketPath, { op: 'lock' });
    },
  };
}

/** The live session or the authentication error that tells the user to log in. */
export async function requireSession(socketPath: string): Promise<AgentClient> {
  const client = await findSession(socketPath);
  if (!client) throw new GmvError('SESSION_REQUIRED', {});
  return client;
}
