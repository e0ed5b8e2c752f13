/**
 * `gmv report verify FILE`: that a report handed to an inspector came from this vault unchanged — it
 * begins as a report of this vault does, the audit log recorded its SHA-256 when gmv wrote it
 * (`report.generate`), and FILE.sig is a signature over its bytes by the key that entry names, a
 * person key the organisation certified. gpg checks the signature alone; this checks all three.
 */
import { createHash } from 'node:crypto';
import { GmvError } from '../errors.js';
import { isReportOf } from '../domain/report.js';
import { dearmorSignature } from '../crypto/pgp.js';
import { verifyWith } from '../audit/signatures.js';
import { listAudit } from './audit-log.js';
import { signerKeys } from './training.js';
import { sealContext } from './access.js';
import type { Vault } from './vault.js';

export interface ReportCheck {
  sha256: string;
  signer: string;
  fingerprint: string;
  /** The audit entry that recorded it. */
  seq: number;
  at: string;
  format: string;
  asOf: string;
}

export async function verifyReport(vault: Vault, path: string, bytes: Buffer, signatureText: string): Promise<ReportCheck> {
  const fail = (detail: string): never => { throw new GmvError('REPORT_INVALID', { path, detail }); };
  if (!isReportOf(bytes, vault.vaultId)) fail('detail.reportForeign');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const entry = (await listAudit(vault, { action: 'report.generate' })).reverse()
    .find((e) => e.present && e.outcome === 'ok' && e.details.sha256 === sha256);
  if (!entry) return fail('detail.reportNotLogged');
  const fingerprint = String(entry.details.fingerprint ?? '');
  const signature = await dearmorSignature(signatureText);
  if (!signature) return fail('detail.reportSignatureForm');
  const key = (await signerKeys(vault.store.db, vault.vaultId, [fingerprint], sealContext(vault).pinnedOrg)).people.get(fingerprint);
  if (!key) return fail('detail.reportSignerUncertified');
  if (!(await verifyWith(bytes, signature, key))) fail('detail.reportSignature');
  return { sha256, signer: entry.actor ?? '', fingerprint, seq: entry.seq, at: entry.at, format: String(entry.details.format ?? ''), asOf: String(entry.details.as_of ?? '') };
}
