/**
 * Parsed policies kept between commands on this terminal. Reading the recorded pack means a YAML
 * parse and a schema check (about 100 ms in a fresh process, more than all of a small command's own
 * work); the result depends only on the pack's and override's texts and on this build of gmv, so it
 * is kept as JSON under a name derived from exactly those: the SHA-256 of each text (the digests the
 * organisation sealed, checked by `recordedPolicy` before any policy is used) and the build id that
 * scripts/build.mjs writes (a digest of the bundle and the shipped packs).
 *
 * What it trusts: the cache lives in the runtime directory beside the session agents' sockets, a
 * directory only this OS user may enter (0700, owned by the user, not a symbolic link); a file is
 * used only if it is a regular file owned by the user, not writable by others, and names the key it
 * was asked for. Someone able to write there can already stand in for the session agent. A changed
 * pack or override in the vault has other digests, so it is parsed afresh; nothing in the database
 * can choose what the cache returns. Code not running from the bundle (dist/, the TypeScript sources
 * under test) caches nothing.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFile } from '../package-root.js';
import type { Policy } from './policy.js';

const FORMAT = 'gmv-policy-cache-1';
let directory: string | null = null;
let buildId: string | null | undefined;

/** Where this process keeps parsed policies: the runtime directory of its paths (openVault sets it). */
export function keepPoliciesIn(dir: string): void {
  directory = dir;
}

/** The id of the bundle this code runs from; null when it runs from dist/ or the TypeScript sources. */
function currentBuild(): string | null {
  if (buildId === undefined) {
    buildId = null;
    try {
      if (fileURLToPath(import.meta.url).startsWith(`${dirname(bundleFile('build-id'))}${sep}`)) {
        buildId = readFileSync(bundleFile('build-id'), 'utf8').trim() || null;
      }
    } catch {
      buildId = null;
    }
  }
  return buildId;
}

function ownPrivateDir(dir: string): boolean {
  const s = lstatSync(dir, { throwIfNoEntry: false });
  return !!s && s.isDirectory() && s.uid === process.getuid?.() && (s.mode & 0o077) === 0;
}

/** The policy for these digests: from the cache when a sound entry is there, else parsed by `parse` and kept. */
export async function cachedPolicy(digests: { pack: string; override: string | null }, parse: () => Promise<Policy>): Promise<Policy> {
  const build = currentBuild();
  const dir = directory;
  if (!build || !dir) return parse();
  const key = createHash('sha256').update(JSON.stringify([FORMAT, build, digests.pack, digests.override])).digest('hex');
  const file = join(dir, `policy-${key}.json`);
  const found = readEntry(dir, file, key);
  if (found) return found;
  const policy = await parse();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (ownPrivateDir(dir)) {
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ key, policy }), { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, file);
      prune(dir, file);
    }
  } catch {
    // A cache that cannot be written (read-only home, full disk) only costs the next command a parse.
  }
  return policy;
}

/** Entries kept: a few packs and builds; older ones (by last write) go when a new one is written. */
const KEEP = 8;

function prune(dir: string, kept: string): void {
  const entries: { path: string; at: number }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (/^policy-[0-9a-f]{64}\.json$/.test(name)) {
      if (path !== kept) entries.push({ path, at: lstatSync(path).mtimeMs });
    } else if (/^policy-[0-9a-f]{64}\.json\.\d+\.tmp$/.test(name) && Date.now() - lstatSync(path).mtimeMs > 60_000) {
      // Left by a process that stopped between writing and renaming (a minute is long past any write).
      rmSync(path, { force: true });
    }
  }
  entries.sort((a, b) => b.at - a.at);
  for (const old of entries.slice(KEEP - 1)) rmSync(old.path, { force: true });
}

function readEntry(dir: string, file: string, key: string): Policy | null {
  try {
    if (!ownPrivateDir(dir)) return null;
    const s = lstatSync(file, { throwIfNoEntry: false });
    if (!s || !s.isFile() || s.uid !== process.getuid?.() || (s.mode & 0o022) !== 0) return null;
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; policy?: Policy };
    return entry.key === key && entry.policy && typeof entry.policy === 'object' ? entry.policy : null;
  } catch {
    return null;
  }
}
