/**
 * Witness records: a signed checkpoint of the vault as one terminal saw it, handed to a second place
 * (a supervising office's folder or share) by `gmv audit witness`, and checked against the log by
 * `gmv audit verify --witness DIR`. Each is canonical JSON signed detached (binary) by the
 * terminal's device key, which the organisation certified; it embeds the checkpoint with its own
 * signature, so that a record vouches for nothing the vault's certified keys did not sign.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GmvError } from '../errors.js';
import { canonicalJson } from '../domain/canonical.js';
import { INPUT_LIMITS, readBounded, readBoundedText } from '../local/input-limits.js';
import { parseCheckpoint } from './checkpoint.js';
import { checkSignatures, type SignatureInput } from './signatures.js';

export interface WitnessRecord {
  kind: 'gmv.audit.witness';
  v: 1;
  vault: string;
  /** The checkpoint's canonical text, as its signer signed it. */
  checkpoint: string;
  checkpoint_signer: string;
  /** Base64 of the checkpoint's detached signature. */
  checkpoint_signature: string;
  /** The witnessing terminal and the fingerprint of its signing key. */
  device: string;
  device_key: string;
  witnessed_at: string;
}

export function witnessText(record: WitnessRecord): string {
  return canonicalJson(record as never);
}

/** One file per checkpoint: the vault, the size (zero-padded, so names sort by size) and the root's start. */
export function witnessFileName(vaultId: string, size: number, root: string): string {
  return `${vaultId}-${String(size).padStart(12, '0')}-${root.slice(0, 16)}.json`;
}

function parseWitness(text: string): WitnessRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const r = value as Partial<WitnessRecord>;
  if (r?.kind !== 'gmv.audit.witness' || r.v !== 1 || typeof r.vault !== 'string' || typeof r.checkpoint !== 'string'
    || typeof r.checkpoint_signer !== 'string' || typeof r.checkpoint_signature !== 'string' || typeof r.device !== 'string'
    || typeof r.device_key !== 'string' || typeof r.witnessed_at !== 'string') return null;
  return witnessText(r as WitnessRecord) === text ? (r as WitnessRecord) : null;
}

export interface WitnessedCheckpoint { file: string; size: number; root: string }

export interface WitnessSet {
  dir: string;
  /** Records whose signatures hold: each must agree with the log. */
  checkpoints: WitnessedCheckpoint[];
  /** Files of this vault that are malformed or whose signatures do not hold. */
  rejected: string[];
}

/**
 * Read every witness record of `vaultId` in `dir` and check both signatures (the terminal's and the
 * checkpoint signer's) against keys the organisation certified. `keys` carries the vault's
 * organisation key, devices and person keys, as the verifier reads them.
 */
export async function readWitnessDir(dir: string, vaultId: string, keys: Omit<SignatureInput, 'vaultId' | 'checkpoints' | 'sinceCheckpointFile'>): Promise<WitnessSet> {
  if (!existsSync(dir)) throw new GmvError('FILE_NOT_FOUND', { path: dir });
  if (!statSync(dir).isDirectory()) throw new GmvError('INVALID_INPUT', { what: '--witness', detail: 'detail.outputNotDirectory', dir });
  const names = readdirSync(dir).filter((n) => n.startsWith(`${vaultId}-`) && n.endsWith('.json')).sort();
  const rejected: string[] = [];
  const candidates: { file: string; size: number; root: string }[] = [];
  const checks: SignatureInput['checkpoints'] = [];
  for (const name of names) {
    const path = join(dir, name);
    const record = parseWitness(readBoundedText(path, INPUT_LIMITS.auditorFile, 'what.witnessRecord'));
    const checkpoint = record ? parseCheckpoint(record.checkpoint) : null;
    if (!record || !checkpoint || record.vault !== vaultId || checkpoint.vault !== vaultId || !existsSync(`${path}.sig`)
      || name !== witnessFileName(vaultId, checkpoint.size, checkpoint.root)) {
      rejected.push(name);
      continue;
    }
    const id = candidates.length;
    candidates.push({ file: name, size: checkpoint.size, root: checkpoint.root });
    const signature = Buffer.from(readBounded(`${path}.sig`, INPUT_LIMITS.auditorFile, 'what.witnessSignature')).toString('base64');
    checks.push({ id: 2 * id, body: witnessText(record), signer: record.device_key, signature });
    checks.push({ id: 2 * id + 1, body: record.checkpoint, signer: record.checkpoint_signer, signature: record.checkpoint_signature });
  }
  const verdicts = checks.length > 0 ? await checkSignatures({ ...keys, vaultId, checkpoints: checks }) : { failures: [], formerOrg: {}, orgFingerprint: '' };
  const failed = new Set(verdicts.failures.map((f) => Math.floor(f.id / 2)));
  // A witness is a terminal's record, never an organisation key's; an earlier organisation key
  // vouches for a checkpoint only up to the tree it handed over, as in the log.
  const formerOrg: Record<string, number> = verdicts.formerOrg;
  for (let i = 0; i < candidates.length; i++) {
    const [witness, checkpoint] = [checks[2 * i]!, checks[2 * i + 1]!];
    if (witness.signer === verdicts.orgFingerprint || witness.signer in formerOrg) failed.add(i);
    if (checkpoint.signer in formerOrg && candidates[i]!.size > formerOrg[checkpoint.signer]!) failed.add(i);
  }
  const checkpoints = candidates.filter((c, i) => {
    if (failed.has(i)) rejected.push(c.file);
    return !failed.has(i);
  });
  return { dir, checkpoints, rejected: rejected.sort() };
}
