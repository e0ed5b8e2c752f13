/**
 * The audit verifier: re-reads every entry, recomputes every leaf hash and the Merkle root at every
 * checkpoint, checks every checkpoint signature and the organisation's certification of its signer,
 * and names the first entry where anything disagrees. It trusts nothing the writer stored for speed.
 */
import type { Kysely } from 'kysely';
import type { PublicKey } from 'openpgp';
import type { DB } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { GmvError } from '../errors.js';
import { MerkleAccumulator, consistencyProof, verifyConsistency, sha256 } from './merkle.js';
import { parseCheckpoint, type CheckpointBody } from './checkpoint.js';
import { deviceRecordText } from './device-record.js';
import { readPublic, verifyDetached, fingerprintOf } from '../crypto/pgp.js';
import { Actions, type AuditBody } from './entry.js';
import { MIN_RETENTION_DAYS } from '../policy/policy.js';

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

const PAGE = 20_000;

/**
 * leafHash(utf8(text)) through one reused buffer: the verifier hashes every entry, and per-entry
 * buffers were a large share of its time (garbage collection included).
 */
function leafHasher(): (text: string) => Buffer {
  let scratch = Buffer.allocUnsafe(64 * 1024);
  return (text) => {
    const needed = Buffer.byteLength(text, 'utf8') + 1;
    if (needed > scratch.length) scratch = Buffer.allocUnsafe(needed * 2);
    scratch[0] = 0x00;
    const written = scratch.write(text, 1, 'utf8');
    return sha256(scratch.subarray(0, written + 1));
  };
}
// The stored leaf hash is read only for pruned entries (their only trace); for the others it is
// consulted only to name the changed entry once a signed root disagrees (see pinpoint()).
const ENTRY_QUERY = 'select seq, at, actor, action, subject, outcome, body, case when body is null then leaf_hash end from audit_entries order by seq';

interface EntryRow { seq: number; at: string; actor: string | null; action: string; subject: string | null; outcome: string; body: string | null; leaf_hash: string }

function toRow(cells: unknown[]): EntryRow {
  const [seq, at, actor, action, subject, outcome, body, leafHashHex] = cells as [number | string, string, string | null, string, string | null, string, string | null, string];
  return { seq: Number(seq), at, actor, action, subject, outcome, body, leaf_hash: leafHashHex };
}

export async function verifyAuditLog(store: Pick<Store, 'db' | 'scan'>, options: VerifyOptions): Promise<VerifyReport> {
  const db = store.db;
  const signers = await certifiedSigners(db, options);
  const checkpoints = await db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size').orderBy('id').execute();
  const tree = new MerkleAccumulator();
  const leafHashOfText = leafHasher();
  let rootMismatch: { from: number; size: number; checkpoint: number; time: string } | null = null;
  const leaves: Buffer[] | null = options.since ? [] : null;
  let cpIndex = 0;
  let lastSignedSize = 0;
  const prunedSeqs: number[] = [];
  const prunes: { seq: number; upTo: number; before: string; at: string; retention: number }[] = [];

  const checkCheckpointsAt = async (size: number) => {
    while (cpIndex < checkpoints.length && Number(checkpoints[cpIndex]!.tree_size) === size) {
      const cp = checkpoints[cpIndex]!;
      const body = parseCheckpoint(cp.body);
      const from = lastSignedSize;
      if (!body || body.size !== size || body.root !== cp.root || body.vault !== options.vaultId) {
        throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: 'detail.checkpointRecord', checkpoint: cp.id });
      }
      if (body.root !== tree.root().toString('hex')) {
        // Named after the scan is closed (SQLite cannot query while it streams).
        rootMismatch = { from, size, checkpoint: cp.id, time: body.at };
        return;
      }
      const key = signers.get(cp.signer_fingerprint);
      if (!key) throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: 'detail.unknownSigner', checkpoint: cp.id, signer: cp.signer_fingerprint });
      if (!(await verifyDetached(Buffer.from(cp.body, 'utf8'), Buffer.from(cp.signature, 'base64'), key))) {
        throw new GmvError('AUDIT_TAMPERED', { seq: from, detail: 'detail.badSignature', checkpoint: cp.id });
      }
      lastSignedSize = size;
      cpIndex += 1;
    }
  };

  await checkCheckpointsAt(0);
  let next = 0;
  scan: for await (const page of store.scan(ENTRY_QUERY, PAGE)) {
    for (const cells of page) {
      const row = toRow(cells);
      const seq = row.seq;
      if (seq !== next) throw new GmvError('AUDIT_TAMPERED', { seq: next, detail: 'detail.entryMissing' });
      let hash: Buffer;
      if (row.body === null) {
        hash = Buffer.from(row.leaf_hash, 'hex');
        if (hash.length !== 32) throw new GmvError('AUDIT_TAMPERED', { seq, detail: 'detail.prunedHashMalformed' });
        prunedSeqs.push(seq);
      } else {
        hash = leafHashOfText(row.body);
        if (!columnsMatchBody(row, options.vaultId)) {
          throw new GmvError('AUDIT_TAMPERED', { seq, detail: 'detail.columnsChanged' });
        }
        if (row.action === Actions.auditPrune && row.outcome === 'ok') {
          const d = parseBody(row.body)?.details;
          if (d && typeof d.up_to_seq === 'number' && d.up_to_seq < seq && typeof d.before === 'string' && typeof d.retention_days === 'number') {
            prunes.push({ seq, upTo: d.up_to_seq, before: d.before, at: row.at, retention: d.retention_days });
          }
        }
      }
      tree.append(hash);
      leaves?.push(hash);
      next = seq + 1;
      await checkCheckpointsAt(tree.size);
      if (rootMismatch) break scan;
    }
  }
  if (rootMismatch) {
    const m: { from: number; size: number; checkpoint: number; time: string } = rootMismatch;
    const changed = await pinpoint(db, m.from, m.size, leafHashOfText);
    if (changed !== null) throw new GmvError('AUDIT_TAMPERED', { seq: changed, detail: 'detail.entryChanged' });
    throw new GmvError('AUDIT_TAMPERED', { seq: m.from, last: m.size - 1, detail: 'detail.rootMismatch', checkpoint: m.checkpoint, time: m.time });
  }

  if (cpIndex < checkpoints.length) {
    const cp = checkpoints[cpIndex]!;
    throw new GmvError('AUDIT_TAMPERED', { seq: tree.size, size: Number(cp.tree_size), detail: 'detail.truncated' });
  }
  if (checkpoints.length === 0 && tree.size > 0) {
    // gmv init always signs a checkpoint: a log with entries and none has lost its signatures.
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

  const report: VerifyReport = {
    entries: tree.size,
    checkpoints: checkpoints.length,
    root: tree.root().toString('hex'),
    unsignedTail: tree.size - lastSignedSize,
    pruned: { count: prunedSeqs.length, upTo: prunedSeqs.at(-1) ?? null },
  };
  if (options.since && leaves) report.consistency = proveConsistency(options.since, leaves, tree.root());
  return report;
}

/** The first entry in [from, to) whose body no longer matches its recorded leaf hash, if any. */
async function pinpoint(db: Kysely<DB>, from: number, to: number, hashText: (text: string) => Buffer): Promise<number | null> {
  const rows = await db.selectFrom('audit_entries').select(['seq', 'body', 'leaf_hash']).where('seq', '>=', from).where('seq', '<', to).where('body', 'is not', null).orderBy('seq').execute();
  for (const row of rows) if (hashText(row.body!).toString('hex') !== row.leaf_hash) return Number(row.seq);
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

/**
 * The filterable columns (actor, subject, action…) must say what the hashed body says, or a filter
 * could hide an entry. Bodies are canonical JSON with sorted keys, so the check is a prefix and a
 * suffix comparison instead of a parse: 100,000 entries verify in well under a second. The body
 * itself is authenticated by the Merkle root, so a malformed body fails there.
 */
function columnsMatchBody(row: { seq: number; at: string; actor: string | null; action: string; subject: string | null; outcome: string; body: string | null }, vault: string): boolean {
  const j = JSON.stringify;
  const body = row.body!;
  return body.startsWith(`{"action":${j(row.action)},"actor":${j(row.actor)},"at":${j(row.at)},"details":`)
    && body.endsWith(`,"outcome":${j(row.outcome)},"seq":${Number(row.seq)},"subject":${j(row.subject)},"v":1,"vault":${j(vault)}}`);
}

function parseBody(text: string): AuditBody | null {
  try {
    const value = JSON.parse(text) as AuditBody;
    return value && value.v === 1 && typeof value.details === 'object' ? value : null;
  } catch {
    return null;
  }
}
