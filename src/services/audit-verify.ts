/**
 * gmv audit verify: the whole log, optionally against an auditor's older checkpoint file. Opens the
 * vault with the plain reader (no query builder, no OpenPGP on this thread) so that verifying a large
 * log is mostly the scan itself.
 */
import { statSync } from 'node:fs';
import type { StoreTarget } from '../local/vault-location.js';
import { GmvError } from '../errors.js';
import { render, type Lang } from '../i18n/catalogue.js';
import { formatChinaTime } from '../domain/dates.js';
import { openReader, type OpenedReader, type Reader } from '../store/reader.js';
import { DEVICE_QUERY, PERSON_KEY_QUERY, VerifyWorker, verifyAuditLog, type VerifiedHead, type VerifyReport } from '../audit/verify.js';
import { readWitnessDir, type WitnessSet } from '../audit/witness.js';
import { readSeen, rememberSeen } from '../local/seen-checkpoint.js';
import { SCHEMA_VERSION } from '../store/schema-version.js';
import { formerKeys, orgChain, ORG_KEYS_QUERY, TRANSITIONS_QUERY, transitionsOf } from '../audit/org-chain.js';

export type { VerifyReport };

export interface VerifyAuditOptions {
  /** Path of an exported checkpoint; its signature is FILE.sig. */
  sinceCheckpoint?: string;
  /** The organisation key the auditor pinned; default: org-key.asc beside the checkpoint, else the vault's. */
  orgKeyFile?: string;
  /** This terminal's state folder (beside the device file): the log must extend the largest checkpoint it saw. */
  devicesDir?: string;
  /** A folder of witnessed checkpoints (gmv audit witness): the log must agree with every one. */
  witnessDir?: string;
  /** Told after each page of the scan how many entries were read of how many. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Below this size (file and write-ahead log) a SQLite vault is checked on one thread: starting the
 * worker, a second isolate with its own module loading, then costs more than the row, store and
 * signature checks it would take over, which run here after the scan instead.
 */
const ONE_THREAD_MAX_BYTES = 8 * 1024 * 1024;

/** Whether the checks are worth a worker thread; a file that cannot be measured gets one (its error comes from opening it). */
function wantsWorker(target: StoreTarget): boolean {
  if (target.kind !== 'sqlite') return true;
  const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  try {
    return size(target.path) + size(`${target.path}-wal`) >= ONE_THREAD_MAX_BYTES;
  } catch {
    return true;
  }
}

/** Verify the vault at `target`, on two threads unless it is small. */
export async function verifyAuditAt(target: StoreTarget, options: VerifyAuditOptions): Promise<VerifyReport> {
  let worker: VerifyWorker | null = null;
  let reader: OpenedReader | null = null;
  try {
    // The worker starts first: its start-up overlaps opening the vault here.
    if (wantsWorker(target)) worker = VerifyWorker.start(target);
    reader = await openReader(target);
    // Verifying never writes, so an older schema is not upgraded here: the user is told how.
    if (reader.outdated) throw new GmvError('SCHEMA_OUTDATED', { path: reader.location, found: reader.version, known: SCHEMA_VERSION });
    return await verifyAudit(reader, options, worker);
  } finally {
    worker?.stop();
    await reader?.close();
  }
}

/** Verify through an open reader (with a worker thread when one is given). */
export async function verifyAudit(reader: Reader, options: VerifyAuditOptions, worker?: VerifyWorker | null): Promise<VerifyReport> {
  const [idRow] = await reader.rows("select value from vault_meta where key = 'vault_id'");
  if (!idRow) throw new GmvError('VAULT_NOT_INITIALIZED', { path: reader.location });
  const [keyRow] = await reader.rows('select public_key from org_keys order by created_at desc limit 1');
  if (!keyRow) throw new GmvError('VAULT_NOT_INITIALIZED', { path: reader.location });
  const vaultId = String(idRow[0]);
  const orgKey = String(keyRow[0]);
  const transitions = transitionsOf(await reader.rows(TRANSITIONS_QUERY));
  const formerOrgKeys = transitions.length === 0 ? [] : formerKeys(await orgChain(vaultId, orgKey,
    (await reader.rows(ORG_KEYS_QUERY)).map(([fingerprint, publicKey]) => ({ fingerprint: String(fingerprint), publicKey: String(publicKey) })), transitions));
  const seen = options.devicesDir ? readSeen(options.devicesDir, vaultId) : null;
  let witness: WitnessSet | undefined;
  if (options.witnessDir) {
    witness = await readWitnessDir(options.witnessDir, vaultId, {
      orgKey,
      // A witness made before a re-key holds a checkpoint the earlier key's signers signed, and a
      // pinned copy of that key is reached through the same signed hand-overs as the log's.
      formerOrgKeys,
      orgKeyFile: options.orgKeyFile,
      devices: (await reader.rows(DEVICE_QUERY)).map(([id, person, signingFingerprint, signingPublicKey, certification, createdAt]) => ({
        id: String(id), person: person === null ? null : String(person), signingFingerprint: String(signingFingerprint),
        signingPublicKey: String(signingPublicKey), certification: String(certification), createdAt: String(createdAt),
      })),
      personKeys: (await reader.rows(PERSON_KEY_QUERY)).map(([fingerprint, person, publicKey, certification, createdAt]) => ({
        fingerprint: String(fingerprint), person: String(person), publicKey: String(publicKey), certification: String(certification), createdAt: String(createdAt),
      })),
    });
  }
  let head: VerifiedHead | null = null;
  const report = await verifyAuditLog(reader, {
    vaultId,
    orgKey,
    formerOrgKeys,
    orgKeyFile: options.orgKeyFile,
    sinceCheckpointFile: options.sinceCheckpoint,
    worker,
    seen,
    witness,
    onHead: (h) => { head = h; },
    onProgress: options.onProgress,
  });
  // Verified: this terminal now has seen the newest checkpoint (never the vault: verify writes nothing there).
  if (options.devicesDir && head) rememberSeen(options.devicesDir, vaultId, head);
  return report;
}

/** What `gmv audit verify` prints for a verified log. */
export function verifyLines(report: VerifyReport, lang: Lang): string[] {
  const lines = [render('audit.verify.ok', { entries: report.entries, checkpoints: report.checkpoints, root: report.root }, lang)];
  if (report.pruned.count > 0) lines.push(render('audit.verify.pruned', { count: report.pruned.count, upTo: report.pruned.upTo ?? 0 }, lang));
  if (report.consistency) lines.push(render('audit.verify.consistent', { size: report.consistency.oldSize, time: formatChinaTime(new Date(report.consistency.oldTime)) }, lang));
  if (report.witnessed) lines.push(render('audit.verify.witnessed', { count: report.witnessed.count, dir: report.witnessed.dir }, lang));
  if (report.unsignedTail > 0) lines.push(render('audit.verify.unsignedTail', { count: report.unsignedTail }, lang));
  lines.push(render(report.orgKeyPinned ? 'audit.verify.trustPinned' : 'audit.verify.trustVault', { fingerprint: report.orgFingerprint }, lang));
  if (report.formerOrg.length > 0) lines.push(render('audit.verify.rekeyed', { count: report.formerOrg.length, oldest: report.formerOrg.at(-1)!, fingerprint: report.orgFingerprint }, lang));
  return lines;
}
