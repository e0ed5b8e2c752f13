/** gmv audit verify: the whole log, optionally against an auditor's older checkpoint file. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PublicKey } from 'openpgp';
import { GmvError } from '../errors.js';
import { parseCheckpoint, type CheckpointBody } from '../audit/checkpoint.js';
import { verifyAuditLog, type VerifyReport } from '../audit/verify.js';
import { readPublic, verifyDetached, fingerprintOf } from '../crypto/pgp.js';
import { orgPublicKey, type Vault } from './vault.js';
import { EXPORT_FILES } from './audit-checkpoint-export.js';

export interface VerifyAuditOptions {
  /** Path of an exported checkpoint; its signature is FILE.sig. */
  sinceCheckpoint?: string;
  /** The organisation key the auditor pinned; default: org-key.asc beside the checkpoint, else the vault's. */
  orgKeyFile?: string;
}

export async function verifyAudit(vault: Vault, options: VerifyAuditOptions): Promise<VerifyReport & { orgFingerprint: string }> {
  let vaultKey = await orgPublicKey(vault.store.db);
  if (options.orgKeyFile) {
    // The auditor's own copy of the organisation key is the trust anchor, not the vault's.
    const pinned = await readPublic(readText(options.orgKeyFile)).catch(() => {
      throw new GmvError('INVALID_INPUT', { what: 'organisation key file', detail: options.orgKeyFile! });
    });
    if (fingerprintOf(pinned) !== fingerprintOf(vaultKey)) {
      throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyReplaced', found: fingerprintOf(vaultKey), pinned: fingerprintOf(pinned) });
    }
    vaultKey = pinned;
  }
  let since: CheckpointBody | undefined;
  if (options.sinceCheckpoint) since = await readAuditorCheckpoint(vault, options.sinceCheckpoint, options.orgKeyFile, vaultKey);
  const report = await verifyAuditLog(vault.store, { vaultId: vault.vaultId, orgPublicKey: vaultKey, since });
  return { ...report, orgFingerprint: fingerprintOf(vaultKey) };
}

async function readAuditorCheckpoint(vault: Vault, path: string, orgKeyFile: string | undefined, vaultKey: PublicKey): Promise<CheckpointBody> {
  const vaultFingerprint = fingerprintOf(vaultKey);
  const text = readText(path);
  const body = parseCheckpoint(text);
  if (!body) throw new GmvError('CHECKPOINT_INVALID', { what: path, detail: 'not a gmv checkpoint in canonical form' });
  if (body.vault !== vault.vaultId) throw new GmvError('CHECKPOINT_FOREIGN', { found: body.vault, expected: vault.vaultId });
  const sigPath = `${path}.sig`;
  if (!existsSync(sigPath)) throw new GmvError('FILE_NOT_FOUND', { path: sigPath });
  const pinnedPath = orgKeyFile ?? join(dirname(path), EXPORT_FILES.orgKey);
  const pinned = existsSync(pinnedPath) ? await readPublic(readText(pinnedPath)).catch(() => {
    throw new GmvError('INVALID_INPUT', { what: 'organisation key file', detail: pinnedPath });
  }) : null;
  if (!pinned && orgKeyFile) throw new GmvError('FILE_NOT_FOUND', { path: orgKeyFile });
  if (pinned && fingerprintOf(pinned) !== vaultFingerprint) {
    throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyReplaced', found: vaultFingerprint, pinned: fingerprintOf(pinned) });
  }
  const key = pinned ?? vaultKey;
  if (!(await verifyDetached(Buffer.from(text, 'utf8'), readFileSync(sigPath), key))) {
    throw new GmvError('CHECKPOINT_INVALID', { what: path, detail: 'its signature is not a valid organisation-key signature' });
  }
  return body;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GmvError('FILE_NOT_FOUND', { path });
    throw new GmvError('FILE_UNREADABLE', { path, detail: code ?? 'read error' });
  }
}
