/**
 * What a writer checks before it signs: the newest checkpoint whose signature holds, that it extends
 * the largest checkpoint this terminal has seen (local/seen-checkpoint.ts), and the entries after it
 * (the unsigned tail). An honest writer signs over only its own entries and, of the unsigned tail,
 * only what gmv itself writes without a key (see docs/SECURITY.md); anything else is refused.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import { canonicalJson } from '../domain/canonical.js';
import type { SeenCheckpoint } from '../local/seen-checkpoint.js';
import { EMPTY_ROOT, MerkleAccumulator, leafHash } from './merkle.js';
import { parseCheckpoint } from './checkpoint.js';
import { checkSignatures } from './signatures.js';
import { formerKeys, orgChain } from './org-chain.js';
import type { AuditBody } from './entry.js';
import { loadTree } from './log.js';

export interface HeadCheckpoint {
  size: number;
  root: string;
  at: string;
  /** The stored checkpoint text and signature (base64), as signed. */
  body: string;
  signer: string;
  signature: string;
}

interface TailRow { seq: number; at: string; actor: string | null; action: string; subject: string | null; outcome: string; body: string | null; leaf_hash: string }

export interface LogHead {
  /** The newest checkpoint with a valid signature by a key the organisation certified; null if none. */
  checkpoint: HeadCheckpoint | null;
  /** The tree at the checkpoint's size, recomputed from the stored leaf hashes. */
  atCheckpoint: MerkleAccumulator;
  /** The same tree extended by the tail's leaf hashes (meaningful when `frontierMatches`). */
  tree: MerkleAccumulator;
  /** Fingerprint of the organisation key trusted for it. */
  org: string;
  tail: TailRow[];
  /** The stored frontier is the checkpoint's tree extended by exactly the tail's leaves. */
  frontierMatches: boolean;
}

const PAGE = 8;
/** Entries gmv writes on terminals that cannot sign: refusals and failures, and an enrollment request. */
const KEYLESS_ACTIONS: ReadonlySet<string> = new Set(['device.enroll', 'device.revoke']);

/**
 * The head of the log as a writer must trust it. Throws AUDIT_ROLLED_BACK when the log does not
 * extend what this terminal saw (`seen`): shorter, its later checkpoints gone, or rewritten.
 */
export async function inspectHead(trx: Kysely<DB>, vaultId: string, seen: SeenCheckpoint | null): Promise<LogHead> {
  // A damaged stored frontier is named as such (AUDIT_TREE_CORRUPT) before the tail is judged.
  await loadTree(trx);
  const { checkpoint, org } = await newestValidCheckpoint(trx, vaultId, seen);
  const size = checkpoint?.size ?? 0;
  const root = checkpoint?.root ?? EMPTY_ROOT.toString('hex');
  if (seen && seen.size > size) {
    throw new GmvError('AUDIT_ROLLED_BACK', { size: seen.size, time: seen.at, found: size, detail: 'detail.seenLonger', file: seen.path ?? '' });
  }
  let tree: MerkleAccumulator;
  let from = 0;
  if (seen) {
    tree = MerkleAccumulator.restore(seen.size, seen.peaks.map((p) => Buffer.from(p, 'hex')));
    from = seen.size;
  } else {
    tree = new MerkleAccumulator();
  }
  const leaves = await trx.selectFrom('audit_entries').select(['seq', 'leaf_hash']).where('seq', '>=', from).where('seq', '<', size).orderBy('seq').execute();
  let expected = from;
  for (const row of leaves) {
    if (Number(row.seq) !== expected || !/^[0-9a-f]{64}$/.test(row.leaf_hash)) break;
    tree.append(Buffer.from(row.leaf_hash, 'hex'));
    expected += 1;
  }
  if (tree.size !== size || tree.root().toString('hex') !== root) {
    if (seen) throw new GmvError('AUDIT_ROLLED_BACK', { size: seen.size, time: seen.at, found: size, detail: 'detail.seenNotExtended', file: seen.path ?? '' });
    throw new GmvError('AUDIT_TAMPERED', { seq: Math.min(expected, size), detail: 'detail.headRoot', size });
  }
  const atCheckpoint = MerkleAccumulator.restore(tree.size, tree.peaks());

  const tail = (await trx.selectFrom('audit_entries').select(['seq', 'at', 'actor', 'action', 'subject', 'outcome', 'body', 'leaf_hash'])
    .where('seq', '>=', size).orderBy('seq').execute()).map((r) => ({ ...r, seq: Number(r.seq) }));
  const frontier = await trx.selectFrom('audit_tree').select(['size', 'frontier']).where('id', '=', 1).executeTakeFirst();
  let frontierMatches = tail.every((r, i) => r.seq === size + i && /^[0-9a-f]{64}$/.test(r.leaf_hash));
  if (frontierMatches) {
    for (const r of tail) tree.append(Buffer.from(r.leaf_hash, 'hex'));
    const peaks = frontier ? (JSON.parse(frontier.frontier) as unknown[]) : [];
    frontierMatches = Number(frontier?.size ?? 0) === tree.size
      && JSON.stringify(peaks) === JSON.stringify(tree.peaks().map((p) => p.toString('hex')));
  }
  return { checkpoint, atCheckpoint, tree, org, tail, frontierMatches };
}

/**
 * Refuse to sign over a tail that gmv did not write: every entry after the last valid checkpoint
 * must read back exactly as written (body, columns, leaf hash) and be something a terminal without
 * a key records (a refusal or failure, an enrollment request, or a terminal revoking itself).
 */
export function assertSignableTail(head: LogHead, vaultId: string): void {
  if (head.tail.length === 0 && head.frontierMatches) return;
  const bad = head.frontierMatches ? head.tail.filter((row) => !keylessEntry(row, vaultId)) : head.tail;
  if (bad.length === 0 && head.frontierMatches) return;
  // A frontier that the tail does not explain names the first position it claims beyond the checkpoint.
  const seqs = bad.length > 0 ? bad.map((r) => `#${r.seq}`) : [`#${head.checkpoint?.size ?? 0}`];
  const shown = seqs.length > 20 ? [...seqs.slice(0, 20), `… (${seqs.length})`] : seqs;
  throw new GmvError('AUDIT_UNCOVERED_TAIL', { seqs: shown.join(', '), size: head.checkpoint?.size ?? 0 });
}

function keylessEntry(row: TailRow, vaultId: string): boolean {
  const body = bodyOf(row);
  if (!body || row.body === null) return false;
  if (canonicalJson(body as never) !== row.body || leafHash(Buffer.from(row.body, 'utf8')).toString('hex') !== row.leaf_hash) return false;
  if (body.vault !== vaultId || body.seq !== row.seq || body.at !== row.at || body.actor !== row.actor || body.action !== row.action
    || body.subject !== row.subject || body.outcome !== row.outcome) return false;
  if (body.device !== null && typeof body.device !== 'string') return false;
  return body.outcome === 'denied' || body.outcome === 'failed' || KEYLESS_ACTIONS.has(body.action);
}

/** A revoked terminal's checkpoint still counts for the entries up to its revocation (the verifier's rule). */
async function signedBeforeRevocation(trx: Kysely<DB>, deviceId: string, size: number): Promise<boolean> {
  const row = await trx.selectFrom('audit_entries').select((eb) => eb.fn.min('seq').as('seq'))
    .where('action', '=', 'device.revoke').where('subject', '=', deviceId).where('outcome', '=', 'ok').executeTakeFirst();
  return row?.seq !== null && row?.seq !== undefined && size <= Number(row.seq);
}

function bodyOf(row: TailRow): AuditBody | null {
  if (row.body === null) return null;
  try {
    const value = JSON.parse(row.body) as AuditBody;
    return value && typeof value === 'object' && value.v === 1 && typeof value.details === 'object' && value.details !== null ? value : null;
  } catch {
    return null;
  }
}

/**
 * The vault's organisation key as this terminal may trust it: the newest `org_keys` row, which must
 * be the key the terminal trusted before (`pinnedOrg`) or one a chain of signed re-keys hands over
 * from it (AUDIT_TAMPERED otherwise), with the earlier keys of that chain.
 */
export async function trustedOrg(trx: Kysely<DB>, vaultId: string, pinnedOrg: string | null): Promise<{ row: { fingerprint: string; public_key: string }; formerOrgKeys: { armored: string; treeSize: number }[] }> {
  const orgRows = await trx.selectFrom('org_keys').select(['fingerprint', 'public_key']).orderBy('created_at', 'desc').execute();
  const orgRow = orgRows[0];
  if (!orgRow) throw new GmvError('VAULT_NOT_INITIALIZED', { path: '(vault)' });
  if (!pinnedOrg || pinnedOrg === orgRow.fingerprint) return { row: orgRow, formerOrgKeys: [] };
  const transitions = await trx.selectFrom('org_transitions').select(['body', 'from_signature', 'to_signature', 'ca_signature']).orderBy('id').execute();
  const chain = await orgChain(vaultId, orgRow.public_key, orgRows.map((r) => ({ fingerprint: r.fingerprint, publicKey: r.public_key })),
    transitions.map((t) => ({ body: t.body, fromSignature: t.from_signature, toSignature: t.to_signature, caSignature: t.ca_signature })));
  if (!chain.some((link) => link.key.fingerprint === pinnedOrg)) {
    throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyReplaced', found: orgRow.fingerprint, pinned: pinnedOrg });
  }
  return { row: orgRow, formerOrgKeys: formerKeys(chain) };
}

/**
 * The newest checkpoint whose signature holds under a key the organisation certified and that is
 * still active (a revoked terminal's or retired person's key vouches for nothing new). The
 * organisation key is the one this terminal trusted before (`pinnedOrg`), else the vault's newest.
 */
async function newestValidCheckpoint(trx: Kysely<DB>, vaultId: string, seen: SeenCheckpoint | null): Promise<{ checkpoint: HeadCheckpoint | null; org: string }> {
  const { row: orgRow, formerOrgKeys } = await trustedOrg(trx, vaultId, seen?.org || null);
  for (let offset = 0; ; offset += PAGE) {
    const rows = await trx.selectFrom('audit_checkpoints').select(['id', 'tree_size', 'root', 'at', 'body', 'signer_fingerprint', 'signature'])
      .orderBy('tree_size', 'desc').orderBy('id', 'desc').limit(PAGE).offset(offset).execute();
    if (rows.length === 0) return { checkpoint: null, org: orgRow.fingerprint };
    for (const row of rows) {
      const body = parseCheckpoint(row.body);
      if (!body || body.vault !== vaultId || body.size !== Number(row.tree_size) || body.root !== row.root) continue;
      const head = { size: body.size, root: body.root, at: body.at, body: row.body, signer: row.signer_fingerprint, signature: row.signature };
      // The very tree this terminal already saw valid (usually its own last checkpoint): nothing new to trust.
      if (seen && body.size === seen.size && body.root === seen.root) return { checkpoint: head, org: orgRow.fingerprint };
      const [devices, personKeys] = await Promise.all([
        trx.selectFrom('devices').leftJoin('people', 'people.id', 'devices.person_id')
          .select(['devices.id', 'people.login', 'devices.signing_fingerprint', 'devices.signing_public_key', 'devices.certification', 'devices.created_at', 'devices.status'])
          .where('devices.signing_fingerprint', '=', row.signer_fingerprint).execute(),
        trx.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
          .select(['person_keys.fingerprint', 'people.login', 'person_keys.public_key', 'person_keys.certification', 'person_keys.created_at'])
          .where('person_keys.fingerprint', '=', row.signer_fingerprint).where('person_keys.status', '=', 'active').execute(),
      ]);
      const verdict = await checkSignatures({
        vaultId,
        orgKey: orgRow.public_key,
        formerOrgKeys,
        devices: devices.filter((d) => d.certification).map((d) => ({
          id: d.id, person: d.login ?? null, signingFingerprint: d.signing_fingerprint!, signingPublicKey: d.signing_public_key!, certification: d.certification!, createdAt: d.created_at,
        })),
        personKeys: personKeys.filter((k) => k.certification).map((k) => ({
          fingerprint: k.fingerprint, person: k.login, publicKey: k.public_key, certification: k.certification!, createdAt: k.created_at,
        })),
        checkpoints: [{ id: Number(row.id), body: row.body, signer: row.signer_fingerprint, signature: row.signature }],
      });
      const device = devices[0];
      // A checkpoint of an earlier org key counts only up to the tree it handed over.
      const handedOver = verdict.formerOrg[row.signer_fingerprint];
      if (handedOver !== undefined && handedOver < body.size) continue;
      if (verdict.failures.length === 0 && (!device || device.status === 'active' || await signedBeforeRevocation(trx, device.id, body.size))) {
        return { checkpoint: head, org: orgRow.fingerprint };
      }
    }
  }
}
