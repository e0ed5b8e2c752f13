/**
 * The session agent (like ssh-agent): holds one person's unlocked key in memory, answers decrypt
 * and sign requests on its socket, and forgets everything on lock, idle timeout or max lifetime.
 */
import { parseSealBody } from '../domain/state-seal.js';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { PrivateKey } from 'openpgp';
import { decryptWith, readPrivateBinary, sessionKeyOf, signDetached, wipePrivateKey } from '../crypto/pgp.js';
import { translateStoreError } from '../store/driver.js';
import type { StoreTarget } from '../store/store.js';
import type { AgentBoot, AgentRequest, AgentResponse, SessionInfo } from './protocol.js';
import { parseCheckpoint } from '../audit/checkpoint.js';
import type { AgentClient } from './client.js';
import { isRunRecordOf } from '../domain/checklist-record.js';
import { isStaffRecordOf } from '../domain/staff-record.js';
import { isBackupManifestOf } from '../domain/backup-dump.js';
import { isReportOf } from '../domain/report.js';

/** `binaryKey` is the unlocked private key as bytes; zeroed here with the key when the session ends. */
export async function runAgent(boot: AgentBoot, binaryKey: Uint8Array, ready: () => void): Promise<void> {
  let key: PrivateKey | null = await readPrivateBinary(binaryKey);
  const started = Date.now();
  const deadline = started + boot.maxSeconds * 1000;
  let lastUse = started;

  mkdirSync(dirname(boot.socketPath), { recursive: true, mode: 0o700 });
  chmodSync(dirname(boot.socketPath), 0o700);

  const info = (): SessionInfo => ({
    ...boot.session,
    startedAt: new Date(started).toISOString(),
    expiresAt: new Date(deadline).toISOString(),
    idleExpiresAt: new Date(Math.min(deadline, lastUse + boot.idleSeconds * 1000)).toISOString(),
  });

  // The person's key vouches for the audit log and for the records they sign: the agent signs a
  // checkpoint, a checklist-run record, a staff record or a backup manifest of its own vault in
  // canonical form, a state seal of its own vault (which the door honours from a person's key only
  // for the grants they gave themselves as an account's creator), or a compliance report of its own vault (beginning as domain/report.ts#reportPrefix
  // says), and nothing else, so no process that reaches the socket gets a general signer.
  const isOwnCheckpoint = (data: Uint8Array): boolean => {
    const text = Buffer.from(data).toString('utf8');
    return Buffer.from(text, 'utf8').equals(data) && parseCheckpoint(text)?.vault === boot.session.vaultId;
  };
  const isOwnSignable = (data: Uint8Array): boolean => isOwnCheckpoint(data) || isRunRecordOf(data, boot.session.vaultId) || isStaffRecordOf(data, boot.session.vaultId)
    || isBackupManifestOf(data, boot.session.vaultId) || isReportOf(data, boot.session.vaultId) || isSealOf(data, boot.session.vaultId);

  const server = createServer((socket) => serve(socket));
  // The key's secret parameters live in openpgp.js's own byte arrays: zero them, do not just drop them.
  const forget = () => {
    if (key) wipePrivateKey(key);
    binaryKey.fill(0);
    key = null;
  };
  process.once('exit', forget);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => stop());
  const stop = () => {
    forget();
    clearInterval(timer);
    // Closing unlinks the socket; removing the path again could delete a newer agent's socket.
    server.close();
    // Open client sockets must not keep a locked agent alive.
    setImmediate(() => process.exit(0));
  };
  const timer = setInterval(() => {
    const now = Date.now();
    if (now >= deadline || now >= lastUse + boot.idleSeconds * 1000) stop();
  }, 250);

  /** Vaults this agent opened for reveals, by location: kept open while the session lives. */
  const vaults = new Map<string, Promise<{ vault: import('../services/vault.js').Vault; identity: string }>>();

  /** The vault at `target`, opened once per session and checked to be the same vault at each use. */
  async function openedVault(target: StoreTarget): Promise<import('../services/vault.js').Vault> {
    const [{ openVault, checkSameVault }, { targetLocation }] = await Promise.all([import('../services/vault.js'), import('../local/vault-location.js')]);
    const location = targetLocation(target);
    let vault = vaults.get(location);
    if (!vault) {
      vault = openVault({ target, paths: boot.paths }).then(async (v) => ({ vault: v, identity: await checkSameVault(v, target) }));
      vaults.set(location, vault);
      vault.catch(() => vaults.delete(location));
    }
    const { vault: opened, identity } = await vault;
    // A vault moved or restored over this path while the session kept it open: refuse, and let
    // the next request open what is there now (its own log then records what happens).
    try {
      await checkSameVault(opened, target, identity);
    } catch (error) {
      vaults.delete(location);
      await opened.store.close().catch(() => undefined);
      throw error;
    }
    return opened;
  }

  /** Run a use case on the vault at `target`; its coded errors (and untranslated driver errors, coded here) go back as codes. */
  async function onVault(target: StoreTarget, use: (vault: import('../services/vault.js').Vault) => Promise<AgentResponse>): Promise<AgentResponse> {
    const [{ targetLocation }, { GmvError }] = await Promise.all([import('../local/vault-location.js'), import('../errors.js')]);
    try {
      return await use(await openedVault(target));
    } catch (error) {
      // Driver errors no service translated (a full disk, a corrupt page) keep their code too.
      const coded = translateStoreError(error, targetLocation(target));
      if (coded instanceof GmvError) return { ok: false, error: 'refused', code: coded.code, params: coded.params };
      return { ok: false, error: 'operation failed' };
    }
  }

  async function reveal(request: Extract<AgentRequest, { op: 'reveal' }>, self: AgentClient): Promise<AgentResponse> {
    const [{ sessionActor }, { showSecret }] = await Promise.all([import('../services/session.js'), import('../services/secrets.js')]);
    return onVault(request.target, async (vault) => {
      const actor = await sessionActor(vault, self);
      return { ok: true, result: await showSecret(vault, actor, request.slug, request.field) };
    });
  }

  /** The session, with what its person lacks or lapses within 30 days as of now (not as of the login). */
  async function whoami(request: Extract<AgentRequest, { op: 'whoami' }>): Promise<AgentResponse> {
    const { trainingNotices } = await import('../services/login.js');
    return onVault(request.target, async (vault) => ({ ok: true, session: { ...info(), notices: await trainingNotices(vault, boot.session) } }));
  }

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
      case 'whoami':
        return whoami(request);
      case 'decrypt':
        lastUse = now;
        return { ok: true, data: Buffer.from(await decryptWith(Buffer.from(request.data, 'base64'), key)).toString('base64') };
      case 'session-key': {
        lastUse = now;
        const found = await sessionKeyOf(Buffer.from(request.data, 'base64'), key);
        return found ? { ok: true, data: Buffer.from(found.data).toString('base64'), result: found.algorithm } : { ok: false, error: 'not addressed to this key' };
      }
      case 'sign': {
        lastUse = now;
        const data = Buffer.from(request.data, 'base64');
        if (!isOwnSignable(data)) return { ok: false, error: 'refused' };
        return { ok: true, data: Buffer.from(await signDetached(data, key)).toString('base64') };
      }
      case 'lock':
        if (request.startedAt !== undefined && request.startedAt !== info().startedAt) return { ok: false, error: 'another session' };
        setImmediate(stop);
        return { ok: true };
      case 'reveal': {
        lastUse = now;
        const held = key;
        return reveal(request, {
          session: info(),
          decrypt: async (data) => Buffer.from(await decryptWith(data, held)),
          sessionKey: (packets) => sessionKeyOf(packets, held),
          sign: async (data) => {
            if (!isOwnCheckpoint(data)) throw new Error('the agent signs only checkpoints of its vault');
            return Buffer.from(await signDetached(data, held));
          },
          lock: async () => { setImmediate(stop); },
        });
      }
      default:
        return { ok: false, error: 'unknown request' };
    }
  }

  const MAX_REQUEST_CHARS = 64 * 1024 * 1024;

  function serve(socket: Socket): void {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      // One request line: a report of a city-sized vault to sign is a few MiB; anything past this is
      // refused rather than buffered without end.
      if (buffered.length > MAX_REQUEST_CHARS) return socket.destroy();
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

  await claimSocket(server, boot.socketPath);
  ready();
}

/**
 * Bind the socket without ever deleting a live agent's: binding is atomic, so of two agents started
 * at once (two racing logins) one gets the path; the other asks it to lock, waits until it is gone
 * and binds then. The newest agent remains, and the one it replaced has forgotten its key.
 */
async function claimSocket(server: Server, path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const error = await listenOnce(server, path);
    if (!error) return;
    if (error.code !== 'EADDRINUSE' || Date.now() > deadline) throw error;
    const holder = await askToLock(path);
    if (holder === 'stale') rmSync(path, { force: true });
    else if (holder === 'live') await new Promise((r) => setTimeout(r, 50));
  }
}

function listenOnce(server: Server, path: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    // The socket is created under a 0077 umask and chmod-ed again: only this user may connect.
    const previous = process.umask(0o077);
    const onError = (error: NodeJS.ErrnoException) => {
      process.umask(previous);
      resolve(error);
    };
    server.once('error', onError);
    server.listen(path, () => {
      process.umask(previous);
      server.off('error', onError);
      chmodSync(path, 0o600);
      resolve(null);
    });
  });
}

/** Ask whoever listens on `path` to lock: live (it answered), stale (nobody listens), gone (no file). */
function askToLock(path: string): Promise<'live' | 'stale' | 'gone'> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('connect', () => socket.end(`${JSON.stringify({ op: 'lock' })}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'stale' : error.code === 'ENOENT' ? 'gone' : 'live'));
    socket.on('close', () => resolve('live'));
  });
}

/** A state seal body of this vault, in canonical form (domain/state-seal.ts). */
function isSealOf(data: Uint8Array, vaultId: string): boolean {
  const text = Buffer.from(data).toString('utf8');
  return Buffer.from(text, 'utf8').equals(data) && parseSealBody(text, vaultId) !== null;
}
