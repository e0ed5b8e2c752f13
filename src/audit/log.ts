/**
 * Appending to the audit log inside the caller's write transaction (fail-closed: the entry and the
 * change commit together or not at all), and writing signed checkpoints. The Merkle frontier is
 * kept in audit_tree so a checkpoint costs O(log n); the verifier never trusts it.
 */
import type { Kysely } from 'kysely';
import type { PrivateKey } from 'openpgp';
import type { DB } from '../store/schema.js';
import { insertMany } from '../store/batches.js';
import { canonicalJson } from '../domain/canonical.js';
import { MerkleAccumulator, leafHash } from './merkle.js';
import { checkpointBody, checkpointText, type CheckpointBody } from './checkpoint.js';
import type { AuditBody, AuditDraft } from './entry.js';
import { signDetached, fingerprintOf } from '../crypto/pgp.js';
import { GmvError } from '../errors.js';

export interface AuditWriter {
  vaultId: string;
  /** The terminal writing, when it has a device key. */
  deviceId: string | null;
  now: () => Date;
}

/** Append entries in order; returns their sequence numbers. Call inside a write transaction. */
export async function appendAudit(trx: Kysely<DB>, writer: AuditWriter, drafts: readonly AuditDraft[]): Promise<number[]> {
  const tree = await loadTree(trx);
  const at = writer.now().toISOString();
  const rows = drafts.map((draft) => {
    for (const column of [draft.action, draft.actor, draft.subject]) {
      // Columns must read back exactly as the body says (the verifier compares them): no NUL (which
      // PostgreSQL cannot store) and no lone surrogate (which UTF-8 cannot).
      if (column !== null && (column.includes('\u0000') || Buffer.from(column, 'utf8').toString('utf8') !== column)) {
        throw new Error(`audit: ${JSON.stringify(column)} cannot be stored as an audit column`);
      }
    }
    const body: AuditBody = {
      v: 1,
      vault: writer.vaultId,
      seq: tree.size,
      at,
      device: writer.deviceId,
      action: draft.action,
      actor: draft.actor,
      subject: draft.subject,
      outcome: draft.outcome,
      details: draft.details ?? {},
    };
    const text = canonicalJson(body);
    const hash = leafHash(Buffer.from(text, 'utf8'));
    tree.append(hash);
    return { seq: body.seq, at, actor: body.actor, action: body.action, subject: body.subject, outcome: body.outcome, body: text, leaf_hash: hash.toString('hex') };
  });
  await insertMany(trx, 'audit_entries', rows);
  await saveTree(trx, tree);
  return rows.map((r) => r.seq);
}

export interface SignedCheckpoint {
  body: CheckpointBody;
  text: string;
  signature: Uint8Array;
  signer: string;
}

/** A key that signs checkpoints: held here, or by the session agent (which never hands it out). */
export interface CheckpointSigner {
  fingerprint: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export function keySigner(key: PrivateKey): CheckpointSigner {
  return { fingerprint: fingerprintOf(key), sign: (data) => signDetached(data, key) };
}

/** Sign the current tree head with `signer` and record it. Call inside the same write transaction. */
export async function writeCheckpoint(trx: Kysely<DB>, writer: AuditWriter, signer: CheckpointSigner): Promise<SignedCheckpoint> {
  const tree = await loadTree(trx);
  const body = checkpointBody(writer.vaultId, tree.size, tree.root(), writer.now());
  const text = checkpointText(body);
  const signature = await signer.sign(Buffer.from(text, 'utf8'));
  await trx.insertInto('audit_checkpoints').values({
    tree_size: body.size,
    root: body.root,
    at: body.at,
    body: text,
    signer_fingerprint: signer.fingerprint,
    signature: Buffer.from(signature).toString('base64'),
  }).execute();
  return { body, text, signature, signer: signer.fingerprint };
}

/**
 * The stored frontier, checked for shape and against the newest entry: appending from a damaged
 * one would reuse sequence numbers or sign a root the entries do not give (AUDIT_TREE_CORRUPT).
 */
export async function loadTree(trx: Kysely<DB>): Promise<MerkleAccumulator> {
  const row = await trx.selectFrom('audit_tree').select(['size', 'frontier']).where('id', '=', 1).executeTakeFirst();
  const last = await trx.selectFrom('audit_entries').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  const entries = last?.seq === null || last?.seq === undefined ? 0 : Number(last.seq) + 1;
  if (!row) {
    if (entries > 0) throw new GmvError('AUDIT_TREE_CORRUPT', { detail: 'detail.treeMissing', entries });
    return new MerkleAccumulator();
  }
  if (Number(row.size) !== entries) throw new GmvError('AUDIT_TREE_CORRUPT', { detail: 'detail.treeSize', recorded: String(row.size), entries });
  let peaks: Buffer[];
  try {
    const parsed: unknown = JSON.parse(row.frontier);
    if (!Array.isArray(parsed) || parsed.some((h) => typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h))) throw new Error('not a list of hashes');
    peaks = parsed.map((h: string) => Buffer.from(h, 'hex'));
    return MerkleAccumulator.restore(Number(row.size), peaks);
  } catch (error) {
    throw new GmvError('AUDIT_TREE_CORRUPT', { detail: 'detail.treePeaksUnreadable' }, { cause: error });
  }
}

async function saveTree(trx: Kysely<DB>, tree: MerkleAccumulator): Promise<void> {
  const frontier = JSON.stringify(tree.peaks().map((p) => p.toString('hex')));
  const updated = await trx.updateTable('audit_tree').set({ size: tree.size, frontier }).where('id', '=', 1).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    await trx.insertInto('audit_tree').values({ id: 1, size: tree.size, frontier }).execute();
  }
}
