/**
 * gmv audit verify: the whole log, optionally against an auditor's older checkpoint file. Opens the
 * vault with the plain reader (no query builder, no OpenPGP on this thread) so that verifying a large
 * log is mostly the scan itself.
 */
import type { StoreTarget } from '../local/vault-location.js';
import { GmvError } from '../errors.js';
import { render, type Lang } from '../i18n/catalogue.js';
import { formatChinaTime } from '../domain/dates.js';
import { openReader, type OpenedReader, type Reader } from '../store/reader.js';
import { VerifyWorker, verifyAuditLog, type VerifyReport } from '../audit/verify.js';
import { SCHEMA_VERSION } from '../store/schema-version.js';

export type { VerifyReport };

export interface VerifyAuditOptions {
  /** Path of an exported checkpoint; its signature is FILE.sig. */
  sinceCheckpoint?: string;
  /** The organisation key the auditor pinned; default: org-key.asc beside the checkpoint, else the vault's. */
  orgKeyFile?: string;
}

/** Verify the vault at `target`, on two threads. */
export async function verifyAuditAt(target: StoreTarget, options: VerifyAuditOptions): Promise<VerifyReport> {
  let worker: VerifyWorker | null = null;
  let reader: OpenedReader | null = null;
  try {
    // The worker starts first: its start-up overlaps opening the vault here.
    worker = VerifyWorker.start(target);
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
  return verifyAuditLog(reader, {
    vaultId: String(idRow[0]),
    orgKey: String(keyRow[0]),
    orgKeyFile: options.orgKeyFile,
    sinceCheckpointFile: options.sinceCheckpoint,
    worker,
  });
}

/** What `gmv audit verify` prints for a verified log. */
export function verifyLines(report: VerifyReport, lang: Lang): string[] {
  const lines = [render('audit.verify.ok', { entries: report.entries, checkpoints: report.checkpoints, root: report.root }, lang)];
  if (report.pruned.count > 0) lines.push(render('audit.verify.pruned', { count: report.pruned.count, upTo: report.pruned.upTo ?? 0 }, lang));
  if (report.consistency) lines.push(render('audit.verify.consistent', { size: report.consistency.oldSize, time: formatChinaTime(new Date(report.consistency.oldTime)) }, lang));
  if (report.unsignedTail > 0) lines.push(render('audit.verify.unsignedTail', { count: report.unsignedTail }, lang));
  lines.push(render(report.orgKeyPinned ? 'audit.verify.trustPinned' : 'audit.verify.trustVault', { fingerprint: report.orgFingerprint }, lang));
  return lines;
}
