/**
 * The audit verifier: re-reads every entry, recomputes every leaf hash and the Merkle root at every
 * checkpoint, checks every checkpoint signature and the organisation's certification of its signer,
 * and names the first entry where anything disagrees. It trusts nothing the writer stored for speed.
 */
import type { Kysely } from 'kysely';
import type { PublicKey } from 'openpgp';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import { MerkleAccumulator, leafHash, consistencyProof, verifyConsistency } from './merkle.js';
import { parseCheckpoint, type CheckpointBody } from './checkpoint.js';
import { deviceRecordText } from './device-record.js';
import { readPublic, verifyDetached, fingerprintOf } from '../crypto/pgp.js';
import { Actions, type AuditBody } from './entry.js';

export interface VerifyReport {
  entries: number;
  checkpoints: number;
  root: string;
  /** Entries at the end not covered by any signed checkpoint. */
  unsignedTail: number;
  pruned: { count: number; upTo: number | null };
  consistency?: { oldSize: number; oldRoot: string; oldTime: string; proof: string[] };
}

export interface VerifyOptions {
  vaultId: string;
  orgPublicKey: PublicKey;
  /** An auditor's earlier checkpoint, already signature-checked by the caller. */
  since?: CheckpointBody;
}

const PAGE = 5000;

export async function verifyAuditLog(db: Kysely<DB>, options: VerifyOptions): Promise<VerifyReport> {
  const signers = await certifiedSigners(db, options);
  const checkpoints = await db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size').orderBy('id').execute();
  const tree = new MerkleAccumulator();
  const leaves: Buffer[] | null = options.since ? [] : null;
  let cpIndex = 0;
  let lastSignedSize = 0;
  let prunedCount = 0;
  let prunedMax = -1;
  let authorizedUpTo = -1;

  const checkCheckpointsAt = async (size: number) => {
    while (cpIndex < checkpoints.length && Number(checkpoints[cpIndex]!.tree_size) === size) {
      const cp = checkpoints[cpIndex]!;
      const body = parseCheckpoint(cp.body);
      const from = lastSignedSize;
      const range = size === 0 ? 'the empty log' : `entries #${from}–#${size - 1}`;
      if (!body || body.size !== size || body.root !== cp.root || body.vault !== options.vaultId) {
        throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: `checkpoint record ${cp.id} does not match its signed body` });
      }
      if (body.root !== tree.root().toString('hex')) {
        throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: `the recomputed Merkle root of ${range} differs from the signed checkpoint ${cp.id} of ${body.at}` });
      }
      const key = signers.get(cp.signer_fingerprint);
      if (!key) throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: `checkpoint ${cp.id} is signed by ${cp.signer_fingerprint}, a key the organisation never certified` });
      if (!(await verifyDetached(Buffer.from(cp.body, 'utf8'), Buffer.from(cp.signature, 'base64'), key))) {
        throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: `the signature of checkpoint ${cp.id} is invalid` });
      }
      lastSignedSize = size;
      cpIndex += 1;
    }
  };

  await checkCheckpointsAt(0);
  let next = 0;
  for (;;) {
    const page = await db.selectFrom('audit_entries').selectAll().where('seq', '>=', next).orderBy('seq').limit(PAGE).execute();
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== next) throw new GmvError('AUDIT_TAMPERED', { seq: next, detail: 'the entry is missing' });
      let hash: Buffer;
      if (row.body === null) {
        hash = Buffer.from(row.leaf_hash, 'hex');
        if (hash.length !== 32) throw new GmvError('AUDIT_TAMPERED', { seq, detail: 'the stored hash of a pruned entry is malformed' });
        prunedCount += 1;
        prunedMax = seq;
      } else {
        hash = leafHash(Buffer.from(row.body, 'utf8'));
        if (hash.toString('hex') !== row.leaf_hash) throw new GmvError('AUDIT_TAMPERED', { seq, detail: 'the entry no longer matches its recorded hash' });
        const body = parseBody(row.body);
        if (!body || body.seq !== seq || body.vault !== options.vaultId || body.at !== row.at || body.action !== row.action
          || body.actor !== row.actor || body.subject !== row.subject || body.outcome !== row.outcome) {
          throw new GmvError('AUDIT_TAMPERED', { seq, detail: 'the listed fields differ from the hashed entry' });
        }
        if (body.action === Actions.auditPrune && body.outcome === 'ok') {
          const upTo = body.details.up_to_seq;
          if (typeof upTo === 'number' && upTo < seq) authorizedUpTo = Math.max(authorizedUpTo, upTo);
        }
      }
      tree.append(hash);
      leaves?.push(hash);
      next = seq + 1;
      await checkCheckpointsAt(tree.size);
    }
    if (page.length < PAGE) break;
  }

  if (cpIndex < checkpoints.length) {
    const cp = checkpoints[cpIndex]!;
    throw new GmvError('AUDIT_TAMPERED', { seq: tree.size, detail: `a signed checkpoint covers ${cp.tree_size} entries but only ${tree.size} remain (truncated)` });
  }
  if (prunedMax > authorizedUpTo) {
    throw new GmvError('AUDIT_TAMPERED', { seq: prunedMax, detail: 'the entry was removed without a signed prune entry covering it' });
  }

  const report: VerifyReport = {
    entries: tree.size,
    checkpoints: checkpoints.length,
    root: tree.root().toString('hex'),
    unsignedTail: tree.size - lastSignedSize,
    pruned: { count: prunedCount, upTo: prunedCount > 0 ? prunedMax : null },
  };
  if (options.since && leaves) report.consistency = proveConsistency(options.since, leaves, tree.root());
  return report;
}

/** Consistency of the whole current log with an auditor's older checkpoint (RFC 9162 2.1.4). */
function proveConsistency(old: CheckpointBody, leaves: Buffer[], newRoot: Buffer): NonNullable<VerifyReport['consistency']> {
  if (old.vault === undefined || old.size > leaves.length) {
    throw new GmvError('CHECKPOINT_INCONSISTENT', { size: old.size, detail: `the log now holds only ${leaves.length} entries` });
  }
  const proof = consistencyProof(old.size, leaves);
  if (!verifyConsistency(old.size, leaves.length, Buffer.from(old.root, 'hex'), newRoot, proof)) {
    throw new GmvError('CHECKPOINT_INCONSISTENT', { size: old.size, detail: 'the consistency proof does not verify against the checkpoint\'s root' });
  }
  return { oldSize: old.size, oldRoot: old.root, oldTime: old.at, proof: proof.map((p) => p.toString('hex')) };
}

/** Keys allowed to sign checkpoints: the organisation key, and device keys it certified. */
async function certifiedSigners(db: Kysely<DB>, options: VerifyOptions): Promise<Map<string, PublicKey>> {
  const signers = new Map<string, PublicKey>([[fingerprintOf(options.orgPublicKey), options.orgPublicKey]]);
  const devices = await db.selectFrom('devices')
    .leftJoin('people', 'people.id', 'devices.person_id')
    .select(['devices.id', 'devices.signing_fingerprint', 'devices.signing_public_key', 'devices.certification', 'devices.created_at', 'people.login'])
    .execute();
  for (const device of devices) {
    const record = deviceRecordText({
      vault: options.vaultId,
      id: device.id,
      person: device.login ?? null,
      signing_fingerprint: device.signing_fingerprint,
      created_at: device.created_at,
    });
    const certified = await verifyDetached(Buffer.from(record, 'utf8'), Buffer.from(device.certification, 'base64'), options.orgPublicKey);
    if (!certified) continue;
    const key = await readPublic(device.signing_public_key);
    if (fingerprintOf(key) !== device.signing_fingerprint) continue;
    signers.set(device.signing_fingerprint, key);
  }
  return signers;
}

function parseBody(text: string): AuditBody | null {
  try {
    const value = JSON.parse(text) as AuditBody;
    return value && value.v === 1 && typeof value.details === 'object' ? value : null;
  } catch {
    return null;
  }
}
