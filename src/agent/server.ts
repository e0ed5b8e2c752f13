/**
 * The session agent (like ssh-agent): holds one person's unlocked key in memory, answers decrypt
 * and sign requests on its socket, and forgets everything on lock, idle timeout or max lifetime.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { PrivateKey } from 'openpgp';
import { decryptWith, readPrivate, signDetached } from '../crypto/pgp.js';
import type { AgentBoot, AgentRequest, AgentResponse, SessionInfo } from './protocol.js';

export async function runAgent(boot: AgentBoot, ready: () => void): Promise<void> {
  let key: PrivateKey | null = await readPrivate(boot.privateKey);
  boot.privateKey = '';
  const started = Date.now();
  const deadline = started + boot.maxSeconds * 1000;
  let lastUse = started;

  mkdirSync(dirname(boot.socketPath), { recursive: true, mode: 0o700 });
  chmodSync(dirname(boot.socketPath), 0o700);
  rmSync(boot.socketPath, { force: true });

  const info = (): SessionInfo => ({
    ...boot.session,
    startedAt: new Date(started).toISOString(),
    expiresAt: new Date(deadline).toISOString(),
    idleExpiresAt: new Date(Math.min(deadline, lastUse + boot.idleSeconds * 1000)).toISOString(),
  });

  const server = createServer((socket) => serve(socket));
  const stop = () => {
    key = null;
    clearInterval(timer);
    server.close();
    rmSync(boot.socketPath, { force: true });
    // Open client sockets must not keep a locked agent alive.
    setImmediate(() => process.exit(0));
  };
  const timer = setInterval(() => {
    const now = Date.now();
    if (now >= deadline || now >= lastUse + boot.idleSeconds * 1000) stop();
  }, 250);

  async function handle(request: AgentRequest): Promise<AgentResponse> {
    if (!key) return { ok: false, error: 'locked' };
    const now = Date.now();
    if (now >= deadline || now >= lastUse + boot.idleSeconds * 1000) {
      stop();
      return { ok: false, error: 'expired' };
    }
    switch (request.op) {
      case 'status':
        return { ok: true, session: info() };
      case 'decrypt':
        lastUse = now;
        return { ok: true, data: Buffer.from(await decryptWith(Buffer.from(request.data, 'base64'), key)).toString('base64') };
      case 'sign':
        lastUse = now;
        return { ok: true, data: Buffer.from(await signDetached(Buffer.from(request.data, 'base64'), key)).toString('base64') };
      case 'lock':
        setImmediate(stop);
        return { ok: true };
      default:
        return { ok: false, error: 'unknown request' };
    }
  }

  function serve(socket: Socket): void {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 1 << 20) return socket.destroy();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let request: AgentRequest;
        try {
          request = JSON.parse(line) as AgentRequest;
        } catch {
          socket.write(`${JSON.stringify({ ok: false, error: 'malformed request' })}\n`);
          continue;
        }
        handle(request).then(
          (response) => socket.write(`${JSON.stringify(response)}\n`),
          () => socket.write(`${JSON.stringify({ ok: false, error: 'operation failed' })}\n`),
        );
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket is created under a 0077 umask and chmod-ed again: only this user may connect.
    const previous = process.umask(0o077);
    server.listen(boot.socketPath, () => {
      process.umask(previous);
      chmodSync(boot.socketPath, 0o600);
      resolve();
    });
  });
  ready();
}
