/**
 * The audit verifier: re-reads every entry, recomputes every leaf hash and the Merkle root at every
 * checkpoint, checks every checkpoint signature and the organisation's certification of its signer,
 * and names the first entry where anything disagrees. It trusts nothing the writer stored for speed.
 *
 * Two threads share the work (see docs/ARCHITECTURE.md): this one reads and hashes every entry
 * through the plain reader; a worker checks the OpenPGP signatures and has the database compare
 * every entry's columns with its body. Their findings are then walked in log order, so the error
 * named is the one a single sequential pass would have met first.
 */
import { assertStateAgrees, StateReplay } from './state-replay.js';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { bundleFile } from '../package-root.js';
import { Worker } from 'node:worker_threads';
import { GmvError, type ErrorCode, type ErrorParams } from '../errors.js';
import type { StoreTarget } from '../local/vault-location.js';
import type { Reader } from '../store/reader.js';
import { MerkleAccumulator, consistencyProof, leafHash, verifyConsistency } from './merkle.js';
import { parseCheckpoint, type CheckpointBody } from './checkpoint.js';
import { Actions, MIN_RETENTION_DAYS, actionOf, type AuditBody } from './entry.js';
import { firstRowProblem, type RowProblem } from './column-check.js';
import { corruptStore, storeProblems, type StoreProblem } from '../store/integrity.js';
import { checkSignatures, type SignatureInput, type SignatureVerdicts } from './signatures.js';
import type { WorkerOutcome, WorkerResult, WorkerStart } from './verify-worker.js';
import type { SeenCheckpoint } from '../local/seen-checkpoint.js';
import type { WitnessSet } from './witness.js';

export interface VerifyReport {
  entries: number;
  checkpoints: number;
  root: string;
  /** Entries at the end not covered by any signed checkpoint. */
  unsignedTail: number;
  pruned: { count: number; upTo: number | null };
  consistency?: { oldSize: number; oldRoot: string; oldTime: string; proof: string[] };
  orgFingerprint: string;
  /** Whether the organisation key was the auditor's own copy rather than the vault's. */
  orgKeyPinned: boolean;
  /** Earlier organisation keys the vault's was handed over from by signed re-keys (newest first). */
  formerOrg: string[];
  /** Witnessed checkpoints the log agrees with (--witness DIR). */
  witnessed?: { dir: string; count: number };
}

/** The newest signed checkpoint with the tree's frontier at its size: what a terminal remembers. */
export type VerifiedHead = Omit<SeenCheckpoint, 'path'>;

export interface VerifyOptions {
  vaultId: string;
  /** The vault's organisation public key, armored. */
  orgKey: string;
  /** Earlier organisation keys the chain of re-keys reaches the vault's from (signatures.ts). */
  formerOrgKeys?: { armored: string; treeSize: number }[];
  /** The organisation key the auditor pinned (file). */
  orgKeyFile?: string;
  /** An exported checkpoint the log must extend (file; its .sig beside it). */
  sinceCheckpointFile?: string;
  /** An auditor's earlier checkpoint already authenticated by the caller. */
  since?: CheckpointBody;
  /** The worker thread that checks signatures and rows (its creator stops it); without one they run here, after the scan. */
  worker?: VerifyWorker | null;
  /** The largest checkpoint this terminal saw: the log must extend it. */
  seen?: SeenCheckpoint | null;
  /** Witnessed checkpoints (signatures already checked): the log must agree with each. */
  witness?: WitnessSet;
  /** Told the verified head, for the terminal to remember. */
  onHead?: (head: VerifiedHead) => void;
  /** Told after each page of the scan how many entries were read of how many (a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Entries per page of the scan: PostgreSQL's are round trips, so they are large; SQLite's cost
 * nothing to fetch, and short ones let each body be collected young instead of surviving a
 * garbage collection while 20,000 others wait beside it.
 */
const PAGE = { sqlite: 1_000, postgres: 20_000 } as const;
const ENTRY_QUERY = 'select coalesce(body, leaf_hash) from audit_entries order by seq';
const CHECKPOINT_QUERY = 'select id, tree_size, root, body, signer_fingerprint, signature from audit_checkpoints order by tree_size, id';
export const DEVICE_QUERY = 'select d.id, p.login, d.signing_fingerprint, d.signing_public_key, d.certification, d.created_at from devices d left join people p on p.id = d.person_id';
export const PERSON_KEY_QUERY = 'select k.fingerprint, p.login, k.public_key, k.certification, k.created_at from person_keys k join people p on p.id = k.person_id where k.certification is not null';
const OPEN_BRACE = 0x7b;

interface CheckpointRow { id: number; size: number; root: string; body: string; signer: string; signature: string }
interface EntryProblem { seq: number; detail: string }

export async function verifyAuditLog(reader: Reader, options: VerifyOptions): Promise<VerifyReport> {
  const checks = new Checks(reader, options);
  const tree = new MerkleAccumulator();
  const leaves: Buffer[] | null = options.since || options.sinceCheckpointFile ? [] : null;
  const rootsAt = new Map<number, string>();
  const prunedSeqs: number[] = [];
  const prunes: { seq: number; upTo: number; before: string; at: string; retention: number }[] = [];
  /** Device id -> the entry that revoked it: its key may not sign a tree that holds that entry. */
  const revokedAt = new Map<string, number>();
  const deviceOfSigner = new Map<string, string>();
  /** Person key fingerprint -> the entry that retired it (a recovery re-key), the same way. */
  const retiredAt = new Map<string, number>();
  let scanProblem: EntryProblem | null = null;
  const state = new StateReplay();
  let stored: unknown[] | undefined;
  // Sizes whose root is compared with what this terminal and the witnesses saw.
  const watch = [...new Set([...(options.seen ? [options.seen.size] : []), ...(options.witness?.checkpoints.map((c) => c.size) ?? [])])].sort((a, b) => a - b);
  const watched = new Map<number, string>();
  let headPeaks: Buffer[] = [];

  const checkpoints = await reader.snapshot(async () => {
    const checkpoints = (await reader.rows(CHECKPOINT_QUERY)).map(toCheckpoint);
    [stored] = await reader.rows('select size, frontier from audit_tree where id = 1');
    const devices = await reader.rows(DEVICE_QUERY);
    for (const [id, , fingerprint] of devices) deviceOfSigner.set(String(fingerprint), String(id));
    checks.start(checkpoints, devices, await reader.rows(PERSON_KEY_QUERY));
    // Entries are numbered 0, 1, 2…: where that breaks, the first missing one is named.
    // (Distinct too: a schema rewritten without its primary key could hold a seq twice.)
    const [count, distinct, min, max] = (await reader.rows('select count(*), count(distinct seq), min(seq), max(seq) from audit_entries'))[0]!.map(Number);
    let end = Number.POSITIVE_INFINITY;
    if (count! > 0 && (min !== 0 || max !== count! - 1 || distinct !== count)) {
      end = await firstGap(reader);
      scanProblem = { seq: end, detail: 'detail.entryMissing' };
    }
    let next = 0;
    let nextWatched = 0;
    const headSize = checkpoints.at(-1)?.size;
    const recordRoots = () => {
      while (next < checkpoints.length && checkpoints[next]!.size === tree.size) {
        rootsAt.set(tree.size, tree.root().toString('hex'));
        next += 1;
      }
      while (nextWatched < watch.length && watch[nextWatched] === tree.size) {
        watched.set(tree.size, tree.root().toString('hex'));
        nextWatched += 1;
      }
      if (tree.size === headSize) headPeaks = tree.peaks();
    };
    recordRoots();
    scan: for await (const page of reader.column(ENTRY_QUERY, PAGE[reader.dialect])) {
      for (const value of page) {
        const seq = tree.size;
        if (seq === end) break scan;
        if (typeof value !== 'string') {
          // Stored as a BLOB (or a number): not what gmv writes; the row check names it too.
          scanProblem = { seq, detail: 'detail.columnsChanged' };
          break scan;
        }
        if (value.charCodeAt(0) === OPEN_BRACE) {
          tree.appendEntry(value, leaves ?? undefined);
          const action = actionOf(value);
          state.offer(seq, action, value);
          if (action === Actions.auditPrune) {
            const prune = pruneRecord(value, seq);
            if (prune) prunes.push(prune);
          } else if (action === Actions.deviceRevoke) {
            const device = revokedDevice(value);
            if (device !== null && !revokedAt.has(device)) revokedAt.set(device, seq);
          } else if (action === Actions.recoveryUse || action === Actions.personKeyRetire || action === Actions.orgRekey) {
            for (const key of retiredKeys(value)) if (!retiredAt.has(key)) retiredAt.set(key, seq);
          }
        } else {
          // A pruned entry keeps only its leaf hash (the column check rejects a body not in canonical form).
          const hash = Buffer.from(value, 'hex');
          if (hash.length !== 32) {
            scanProblem = { seq, detail: 'detail.prunedHashMalformed' };
            break scan;
          }
          prunedSeqs.push(seq);
          tree.append(hash);
          leaves?.push(hash);
        }
        recordRoots();
      }
      options.onProgress?.(tree.size, count!);
    }
    await state.capture(reader);
    return checkpoints;
  });

  const { columns, signatures, store } = await checks.result();
  // A damaged page the scan never reads (an index, another table) must not pass as "verified"; and
  // whatever else looks wrong may be its consequence, so it is reported first.
  if (store.length > 0) throw corruptStore(reader.location, store);
  const problems = [scanProblem as EntryProblem | null, columns]
    .filter((p): p is EntryProblem => p !== null)
    .sort((a, b) => a.seq - b.seq);
  const firstProblem = problems[0];

  // A person key row changed outside gmv explains the checkpoints it no longer verifies: named first.
  assertStateAgrees(signatures.keyProblems ?? []);
  // The checkpoints in log order, up to the first bad entry: what a sequential pass meets first.
  const failures = new Map(signatures.failures.map((f) => [f.id, f]));
  let lastSignedSize = 0;
  for (const cp of checkpoints) {
    if (firstProblem && cp.size > firstProblem.seq) break;
    if (cp.size > tree.size) throw new GmvError('AUDIT_TAMPERED', { seq: tree.size, size: cp.size, detail: 'detail.truncated' });
    const from = lastSignedSize;
    const body = parseCheckpoint(cp.body);
    if (!body || body.size !== cp.size || body.root !== cp.root || body.vault !== options.vaultId) {
      throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: 'detail.checkpointRecord', checkpoint: cp.id });
    }
    if (body.root !== rootsAt.get(cp.size)) {
      const changed = await pinpoint(reader, from, cp.size);
      if (changed !== null) throw new GmvError('AUDIT_TAMPERED', { seq: changed, detail: 'detail.entryChanged' });
      throw new GmvError('AUDIT_TAMPERED', { seq: from, last: cp.size - 1, detail: 'detail.rootMismatch', checkpoint: cp.id, time: body.at });
    }
    const failure = failures.get(cp.id);
    if (failure) throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: failure.detail, checkpoint: cp.id, ...(failure.detail === 'detail.unknownSigner' ? { signer: failure.signer } : {}) });
    // A revoked terminal's key (a lost laptop) or a retired person key must not vouch for entries
    // after its end; gmv itself never signs with a key the same transaction sees ended.
    const device = deviceOfSigner.get(cp.signer);
    const revoked = device === undefined ? undefined : revokedAt.get(device);
    if (revoked !== undefined && revoked < cp.size) {
      throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: 'detail.signerRevoked', checkpoint: cp.id, device: device!, revokedAt: revoked });
    }
    const retired = retiredAt.get(cp.signer);
    if (retired !== undefined && retired < cp.size) {
      throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: 'detail.signerRetired', checkpoint: cp.id, key: cp.signer, retiredAt: retired });
    }
    // An organisation key handed over by a re-key signs no tree larger than the one it handed over.
    const handedOver = signatures.formerOrg[cp.signer];
    if (handedOver !== undefined && handedOver < cp.size) {
      throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: 'detail.signerRetired', checkpoint: cp.id, key: cp.signer, retiredAt: handedOver });
    }
    lastSignedSize = cp.size;
  }
  if (firstProblem) throw new GmvError('AUDIT_TAMPERED', { seq: firstProblem.seq, detail: firstProblem.detail });
  const since = options.since ?? signatures.since;
  if (checkpoints.length === 0 && tree.size > 0) {
    // gmv init always signs a checkpoint: a log with entries and none has lost its signatures.
    // The auditor's own checkpoint is then the only signed reference left: its verdict comes first.
    if (since && leaves) proveConsistency(since, leaves, tree.root());
    throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.noCheckpoint' });
  }
  // A prune excuses emptied entries only if it is itself under a signed checkpoint and respected
  // the legal retention when it ran (a forged entry in the unsigned tail excuses nothing).
  const authorizedUpTo = prunes
    .filter((p) => p.seq < lastSignedSize && p.retention >= MIN_RETENTION_DAYS
      && new Date(p.before).getTime() <= new Date(p.at).getTime() - MIN_RETENTION_DAYS * 86_400_000)
    .reduce((max, p) => Math.max(max, p.upTo), -1);
  const unexcused = prunedSeqs.find((seq) => seq > authorizedUpTo);
  if (unexcused !== undefined) throw new GmvError('AUDIT_TAMPERED', { seq: unexcused, detail: 'detail.unauthorizedPrune' });

  // The rows that decide access must be what the signed log says they are.
  assertStateAgrees(state.compare(lastSignedSize, prunedSeqs.length > 0));
  // The writers resume from the stored frontier: one that disagrees with the entries would have
  // the next writer sign roots (or sequence numbers) the entries do not give.
  const frontier = frontierProblem(stored, tree);
  if (frontier) throw new GmvError('AUDIT_TREE_CORRUPT', frontier);

  const root = tree.root();
  const report: VerifyReport = {
    entries: tree.size,
    checkpoints: checkpoints.length,
    root: root.toString('hex'),
    unsignedTail: tree.size - lastSignedSize,
    pruned: { count: prunedSeqs.length, upTo: prunedSeqs.at(-1) ?? null },
    orgFingerprint: signatures.orgFingerprint,
    orgKeyPinned: signatures.orgKeyPinned,
    formerOrg: Object.keys(signatures.formerOrg),
  };
  if (since && leaves) report.consistency = proveConsistency(since, leaves, root);
  if (options.witness) {
    // Each witnessed checkpoint must be a prefix of today's log: the same root at its size.
    const disagree = [...options.witness.rejected, ...options.witness.checkpoints
      .filter((c) => c.size > tree.size || watched.get(c.size) !== c.root).map((c) => c.file)].sort();
    if (disagree.length > 0) {
      throw new GmvError('WITNESS_DISAGREES', { count: disagree.length, dir: options.witness.dir, files: disagree.join(', ') });
    }
    report.witnessed = { dir: options.witness.dir, count: options.witness.checkpoints.length };
  }
  const seen = options.seen;
  if (seen) {
    if (seen.org && seen.org !== signatures.orgFingerprint && !(seen.org in signatures.formerOrg)) {
      throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyReplaced', found: signatures.orgFingerprint, pinned: seen.org });
    }
    if (lastSignedSize < seen.size) {
      throw new GmvError('AUDIT_ROLLED_BACK', { size: seen.size, time: seen.at, found: lastSignedSize, detail: 'detail.seenLonger', file: seen.path ?? '' });
    }
    if (watched.get(seen.size) !== seen.root) {
      throw new GmvError('AUDIT_ROLLED_BACK', { size: seen.size, time: seen.at, found: lastSignedSize, detail: 'detail.seenNotExtended', file: seen.path ?? '' });
    }
  }
  const head = checkpoints.at(-1);
  if (head && options.onHead) {
    const body = parseCheckpoint(head.body)!;
    options.onHead({ size: head.size, root: head.root, peaks: headPeaks.map((p) => p.toString('hex')), at: body.at, org: signatures.orgFingerprint });
  }
  return report;
}

/**
 * The worker thread of one verification (src/audit/verify-worker.ts). Start it before opening the
 * vault, so that its own start-up (a second isolate, OpenPGP, a second connection) overlaps ours.
 */
export class VerifyWorker {
  readonly #worker: Worker;
  readonly #result: Promise<WorkerResult>;

  private constructor(target: StoreTarget, script: URL) {
    const start: WorkerStart = { target };
    this.#worker = new Worker(script, { workerData: start });
    this.#result = new Promise<WorkerResult>((resolve, reject) => {
      this.#worker.once('message', resolve);
      this.#worker.once('error', reject);
      this.#worker.once('exit', (code) => reject(new Error(`audit verify worker stopped (exit ${code})`)));
    });
    this.#result.catch(() => undefined);
  }

  /** A worker for the vault at `target`; null where only the TypeScript sources exist (tests). */
  static start(target: StoreTarget): VerifyWorker | null {
    if (import.meta.url.endsWith('.ts')) return null;
    const script = bundleFile('src/audit/verify-worker.js');
    return existsSync(script) ? new VerifyWorker(target, pathToFileURL(script)) : null;
  }

  send(input: SignatureInput): void {
    this.#worker.postMessage(input);
  }

  async result(): Promise<CheckResults> {
    const result = await this.#result;
    return { columns: unwrap(result.columns), signatures: unwrap(result.signatures), store: unwrap(result.store) };
  }

  stop(): void {
    void this.#worker.terminate();
  }
}

interface CheckResults { columns: RowProblem | null; signatures: SignatureVerdicts; store: StoreProblem[] }

/** The signature, column and store checks: on the worker when there is one, else here once the scan is done. */
class Checks {
  #input: SignatureInput | null = null;

  constructor(private readonly reader: Reader, private readonly options: VerifyOptions) {}

  start(checkpoints: CheckpointRow[], devices: unknown[][], personKeys: unknown[][]): void {
    this.#input = {
      vaultId: this.options.vaultId,
      orgKey: this.options.orgKey,
      formerOrgKeys: this.options.formerOrgKeys,
      orgKeyFile: this.options.orgKeyFile,
      sinceCheckpointFile: this.options.sinceCheckpointFile,
      checkpoints: checkpoints.map(({ id, body, signer, signature }) => ({ id, body, signer, signature })),
      devices: devices.map(([id, person, signingFingerprint, signingPublicKey, certification, createdAt]) => ({
        id: String(id), person: person === null ? null : String(person), signingFingerprint: String(signingFingerprint),
        signingPublicKey: String(signingPublicKey), certification: String(certification), createdAt: String(createdAt),
      })),
      personKeys: personKeys.map(([fingerprint, person, publicKey, certification, createdAt]) => ({
        fingerprint: String(fingerprint), person: String(person), publicKey: String(publicKey), certification: String(certification), createdAt: String(createdAt),
      })),
    };
    this.options.worker?.send(this.#input);
  }

  async result(): Promise<CheckResults> {
    if (this.options.worker) return this.options.worker.result();
    return { columns: await firstRowProblem(this.reader, this.options.vaultId), signatures: await checkSignatures(this.#input!), store: await storeProblems(this.reader) };
  }
}

function unwrap<T>(outcome: WorkerOutcome<T>): T {
  if ('ok' in outcome) return outcome.ok;
  const { code, params, message } = outcome.error;
  if (code) throw new GmvError(code as ErrorCode, params as Record<string, string | number>);
  throw new Error(message);
}

/** What is wrong with the stored frontier (size, peaks) against the recomputed tree, if anything: the AUDIT_TREE_CORRUPT parameters. */
function frontierProblem(row: unknown[] | undefined, tree: MerkleAccumulator): ErrorParams | null {
  if (!row) return tree.size === 0 ? null : { detail: 'detail.treeMissing', entries: tree.size };
  const [size, frontier] = row;
  if (Number(size) !== tree.size) return { detail: 'detail.treeSize', recorded: String(size), entries: tree.size };
  const peaks = tree.peaks().map((p) => p.toString('hex'));
  let stored: unknown;
  try {
    stored = JSON.parse(String(frontier));
  } catch {
    return { detail: 'detail.treePeaksUnreadable' };
  }
  if (!Array.isArray(stored) || stored.length !== peaks.length || stored.some((p, i) => p !== peaks[i])) return { detail: 'detail.treePeaksDiffer' };
  return null;
}

function toCheckpoint([id, size, root, body, signer, signature]: unknown[]): CheckpointRow {
  return { id: Number(id), size: Number(size), root: String(root), body: String(body), signer: String(signer), signature: String(signature) };
}

/** The first position where the entries stop being numbered 0, 1, 2… */
async function firstGap(reader: Reader): Promise<number> {
  let expected = 0;
  for await (const page of reader.column('select seq from audit_entries order by seq', PAGE[reader.dialect])) {
    for (const seq of page) {
      if (Number(seq) !== expected) return expected;
      expected += 1;
    }
  }
  return expected;
}

/** The keys a successful recovery or re-key (`retired_keys`) or a key retirement (`keys`) retired. */
function retiredKeys(text: string): string[] {
  const body = parseBody(text);
  const keys = body?.outcome === 'ok' ? (body.action === Actions.personKeyRetire ? body.details.keys : body.details.retired_keys) : undefined;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** The device a successful revocation entry revoked. */
function revokedDevice(text: string): string | null {
  const body = parseBody(text);
  return body?.outcome === 'ok' && typeof body.subject === 'string' ? body.subject : null;
}

function pruneRecord(text: string, seq: number): { seq: number; upTo: number; before: string; at: string; retention: number } | null {
  const body = parseBody(text);
  const d = body?.outcome === 'ok' ? body.details : undefined;
  if (d && typeof d.up_to_seq === 'number' && d.up_to_seq < seq && typeof d.before === 'string' && typeof d.retention_days === 'number') {
    return { seq, upTo: d.up_to_seq, before: d.before, at: body!.at, retention: d.retention_days };
  }
  return null;
}

/** The first entry in [from, to) whose body no longer matches its recorded leaf hash, if any. */
async function pinpoint(reader: Reader, from: number, to: number): Promise<number | null> {
  const rows = await reader.rows('select seq, body, leaf_hash from audit_entries where seq >= ? and seq < ? and body is not null order by seq', [from, to]);
  for (const [seq, body, stored] of rows) if (leafHash(Buffer.from(String(body), 'utf8')).toString('hex') !== stored) return Number(seq);
  return null;
}

/** Consistency of the whole current log with an auditor's older checkpoint (RFC 9162 2.1.4). */
function proveConsistency(old: CheckpointBody, leaves: Buffer[], newRoot: Buffer): NonNullable<VerifyReport['consistency']> {
  if (old.vault === undefined || old.size > leaves.length) {
    throw new GmvError('CHECKPOINT_INCONSISTENT', { size: old.size, entries: leaves.length, detail: 'detail.logShorter' });
  }
  const proof = consistencyProof(old.size, leaves);
  if (!verifyConsistency(old.size, leaves.length, Buffer.from(old.root, 'hex'), newRoot, proof)) {
    throw new GmvError('CHECKPOINT_INCONSISTENT', { size: old.size, detail: 'detail.proofFailed' });
  }
  return { oldSize: old.size, oldRoot: old.root, oldTime: old.at, proof: proof.map((p) => p.toString('hex')) };
}

function parseBody(text: string): AuditBody | null {
  try {
    const value = JSON.parse(text) as AuditBody;
    return value && value.v === 1 && typeof value.details === 'object' ? value : null;
  } catch {
    return null;
  }
}
