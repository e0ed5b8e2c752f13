/** One request to this terminal's session agent: apart from the client, so the reveal fast path loads no error catalogue. */
import { createConnection } from 'node:net';
import { rmSync } from 'node:fs';
import type { AgentRequest, AgentResponse } from './protocol.js';

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
