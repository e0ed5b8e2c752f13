/**
 * The chain of organisation keys. `gmv org rekey` replaces the organisation key and the device CA
 * and signs a transition statement with the old org key, the new org key and the old CA's key.
 * A verifier (or terminal) that trusts one key in the chain — an auditor's pinned key, the key a
 * terminal last saw — follows the statements to the newest key; a key the vault names without a
 * statement signed by its predecessor is a replacement, not a re-key.
 */
import { X509Certificate, createPublicKey, sign, verify } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';
import { loadKey, verifyWith, type VerifyKey } from './signatures.js';

export interface TransitionRecord {
  kind: 'gmv.org-transition';
  v: 1;
  vault: string;
  from_org: string;
  to_org: string;
  from_ca: string;
  to_ca: string;
  /** The audit tree's size when the re-key was decided: the old key signs nothing larger. */
  tree_size: number;
  at: string;
  by: string;
  reason: string;
}

export interface StoredTransition {
  body: string;
  fromSignature: string;
  toSignature: string;
  caSignature: string;
}

export function transitionText(record: Omit<TransitionRecord, 'kind' | 'v'>): string {
  return canonicalJson({ kind: 'gmv.org-transition', v: 1, ...record });
}

const TEXT_FIELDS = ['vault', 'from_org', 'to_org', 'from_ca', 'to_ca', 'at', 'by', 'reason'] as const;

/** The statement, when `body` is one in canonical form; null otherwise. */
export function parseTransition(body: string): TransitionRecord | null {
  try {
    const value = JSON.parse(body) as Record<string, unknown>;
    if (value.kind !== 'gmv.org-transition' || value.v !== 1 || !Number.isSafeInteger(value.tree_size)) return null;
    if (!TEXT_FIELDS.every((f) => typeof value[f] === 'string')) return null;
    const record = value as unknown as TransitionRecord;
    const { kind: _k, v: _v, ...rest } = record;
    return transitionText(rest) === body ? record : null;
  } catch {
    return null;
  }
}

/** The old device CA's signature over a statement (node:crypto, RSA-SHA256). */
export function caSign(body: string, caKeyPem: string): string {
  return sign('sha256', Buffer.from(body, 'utf8'), caKeyPem).toString('base64');
}

/** Whether the CA certificate `caCertPem` signed the statement. */
export function caVerifies(body: string, signature: string, caCertPem: string): boolean {
  try {
    const key = createPublicKey(new X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'pem' }));
    return verify('sha256', Buffer.from(body, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export interface OrgLink {
  key: VerifyKey;
  armored: string;
  /** The statement that retired this key (null for the newest). */
  retiredBy: TransitionRecord | null;
}

/**
 * The organisation keys from the newest back to the oldest whose hand-over is signed both ways:
 * each earlier key signed the statement naming the next, and the next signed it too. The walk
 * stops at the first link that does not verify (an older key the chain does not reach is not
 * trusted).
 */
export async function orgChain(vaultId: string, newest: string, keys: { fingerprint: string; publicKey: string }[], transitions: StoredTransition[]): Promise<OrgLink[]> {
  const byFingerprint = new Map(keys.map((k) => [k.fingerprint, k.publicKey]));
  const statements = transitions.map((t) => ({ t, record: parseTransition(t.body) })).filter((s) => s.record !== null && s.record.vault === vaultId);
  let current = await loadKey(newest);
  const chain: OrgLink[] = [{ key: current, armored: newest, retiredBy: null }];
  const visited = new Set([current.fingerprint]);
  for (;;) {
    const step = statements.find((s) => s.record!.to_org === current.fingerprint);
    if (!step) return chain;
    const record = step.record!;
    const armored = byFingerprint.get(record.from_org);
    if (!armored || visited.has(record.from_org)) return chain;
    const previous = await loadKey(armored);
    if (previous.fingerprint !== record.from_org) return chain;
    const data = Buffer.from(step.t.body, 'utf8');
    const signedBoth = await verifyWith(data, Buffer.from(step.t.fromSignature, 'base64'), previous)
      && await verifyWith(data, Buffer.from(step.t.toSignature, 'base64'), current);
    if (!signedBoth) return chain;
    chain.push({ key: previous, armored, retiredBy: record });
    visited.add(previous.fingerprint);
    current = previous;
  }
}

/** The earlier keys of a chain as the verifier takes them: each with the tree size it signs up to. */
export function formerKeys(chain: OrgLink[]): { armored: string; treeSize: number }[] {
  return chain.slice(1).map((link) => ({ armored: link.armored, treeSize: link.retiredBy!.tree_size }));
}

/** The chain as read from the vault's rows (the SQL the plain reader and the query builder share). */
export const ORG_KEYS_QUERY = 'select fingerprint, public_key from org_keys';
export const TRANSITIONS_QUERY = 'select body, from_signature, to_signature, ca_signature from org_transitions order by id';

export function transitionsOf(rows: unknown[][]): StoredTransition[] {
  return rows.map(([body, fromSignature, toSignature, caSignature]) => ({ body: String(body), fromSignature: String(fromSignature), toSignature: String(toSignature), caSignature: String(caSignature) }));
}
