/**
 * An opened vault and the two ways services write to it: a change with its audit entries and a
 * signed checkpoint in one transaction, or a denial recorded on its own (the refused change never ran).
 */
import type { Kysely } from 'kysely';
import type { PrivateKey, PublicKey } from 'openpgp';
import { openStore, writeTransaction, type Store, type StoreTarget } from '../store/store.js';
import type { DB } from '../store/schema.js';
import type { LocalPaths } from '../local/paths.js';
import { readDeviceKey, type DeviceKey } from '../local/device-file.js';
import { MerkleAccumulator } from '../audit/merkle.js';
import { appendAudit, keySigner, writeCheckpoint, type AuditWriter, type CheckpointSigner, type SignedCheckpoint } from '../audit/log.js';
import type { AuditDraft } from '../audit/entry.js';
import { readPrivate, readPublic, fingerprintOf } from '../crypto/pgp.js';
import { GmvError } from '../errors.js';
import { effectivePolicy, upgradeLegacyPack, type Policy } from '../policy/policy.js';
import { cachedPolicy, keepPoliciesIn } from '../policy/policy-cache.js';
import { shippedFile } from '../package-root.js';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readSeen, rememberSeen, type SeenCheckpoint } from '../local/seen-checkpoint.js';
import { assertSignableTail, inspectHead, type LogHead } from '../audit/tail.js';

export interface Vault {
  store: Store;
  vaultId: string;
  paths: LocalPaths;
  now: () => Date;
}

export interface PersonSigner extends CheckpointSigner {
  personId: number;
}

export interface VaultEnv {
  target: StoreTarget;
  paths: LocalPaths;
  now?: () => Date;
}

export async function openVault(env: VaultEnv): Promise<Vault> {
  const store = await openStore(env.target, { mode: 'open' });
  keepPoliciesIn(env.paths.runtimeDir);
  try {
    const row = await store.db.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirst();
    if (!row) throw new GmvError('VAULT_NOT_INITIALIZED', { path: store.location });
    return { store, vaultId: row.value, paths: env.paths, now: env.now ?? (() => new Date()) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * What a long-lived handle (the session agent's) checks before each use, so it never keeps working
 * on a vault that was replaced under it: the file's device and inode (a file moved over the path
 * leaves the handle on the old one), or PostgreSQL's database oid, and the vault id the database
 * holds now. Throws VAULT_REPLACED when they differ from `expected`; returns them.
 */
export async function checkSameVault(vault: Vault, target: StoreTarget, expected?: string): Promise<string> {
  let identity: string;
  if (target.kind === 'sqlite') {
    const { statSync } = await import('node:fs');
    let file: { dev: number; ino: number } | undefined;
    try {
      file = statSync(target.path);
    } catch {
      file = undefined;
    }
    identity = file ? `file ${file.dev}:${file.ino}` : 'file missing';
  } else {
    const { sql } = await import('kysely');
    const row = await sql<{ oid: string }>`select oid::text as oid from pg_database where datname = current_database()`.execute(vault.store.db);
    identity = `database ${row.rows[0]?.oid ?? '?'}`;
  }
  const id = await vault.store.db.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirst();
  identity += ` vault ${id?.value ?? '?'}`;
  if ((expected !== undefined && identity !== expected) || id?.value !== vault.vaultId) throw new GmvError('VAULT_REPLACED', { path: vault.store.location });
  return identity;
}

export async function orgPublicKey(db: Kysely<DB>): Promise<PublicKey> {
  const row = await db.selectFrom('org_keys').select('public_key').orderBy('created_at', 'desc').executeTakeFirst();
  if (!row) throw new GmvError('VAULT_NOT_INITIALIZED', { path: '(vault)' });
  return readPublic(row.public_key);
}

/** vault_meta keys naming the `policies` rows in force: the pack, and the override laid over it. */
export const POLICY_META = { pack: 'policy_pack', override: 'policy_override' } as const;

export interface RecordedPolicyFile { id: number; sha256: string; body: string; appliedAt: string }

/**
 * The pack and override rows in force, as the organisation sealed them (services/state-seals.ts):
 * the pointers name the rows, each row's text must give its recorded SHA-256, and the seal the vault
 * names must list that pair. A pointer, a row or a text changed outside gmv is STATE_SEAL_INVALID.
 */
export async function recordedPolicy(db: Kysely<DB>): Promise<{ pack: RecordedPolicyFile; override: RecordedPolicyFile | null }> {
  const { POLICY_SEAL, checkSeal, byOrg } = await import('./state-seals.js');
  const meta = await db.selectFrom('vault_meta').select(['key', 'value']).where('key', 'in', [POLICY_META.pack, POLICY_META.override, POLICY_SEAL, 'vault_id']).execute();
  const valueOf = (key: string) => meta.find((m) => m.key === key)?.value;
  const idOf = (key: string) => {
    const v = valueOf(key);
    return v === undefined ? null : Number(v);
  };
  const read = async (id: number | null) => {
    let q = db.selectFrom('policies').select(['id', 'sha256', 'body', 'applied_at']);
    q = id === null ? q.orderBy('id', 'desc') : q.where('id', '=', id);
    const row = await q.executeTakeFirst();
    return row ? { id: Number(row.id), sha256: row.sha256, body: row.body, appliedAt: row.applied_at } : null;
  };
  const pack = await read(idOf(POLICY_META.pack));
  const vaultId = valueOf('vault_id');
  if (!pack || vaultId === undefined) throw new GmvError('VAULT_NOT_INITIALIZED', { path: '(vault)' });
  const overrideId = idOf(POLICY_META.override);
  const override = overrideId === null ? null : await read(overrideId);
  for (const file of [pack, override]) {
    if (file && createHash('sha256').update(file.body, 'utf8').digest('hex') !== file.sha256) {
      throw new GmvError('STATE_SEAL_INVALID', { table: 'policies', row: `id ${file.id}`, detail: 'detail.policyText' });
    }
  }
  await checkSeal(db, { vaultId, pinnedOrg: null }, { table: 'policies', row: `id ${override?.id ?? pack.id}` },
    { kind: 'policy', pack: pack.sha256, override: override?.sha256 ?? null }, idOf(POLICY_SEAL), byOrg);
  return { pack, override };
}

/** Parsed policies by their digests: a command (or the session agent) checks its pack once, however many steps ask. */
const parsedPolicies = new Map<string, Promise<Policy>>();

/** The policy every command enforces: the recorded pack with the recorded override laid over it. */
export async function activePolicy(db: Kysely<DB>): Promise<Policy> {
  const { pack, override } = await recordedPolicy(db);
  const digests = { pack: pack.sha256, override: override?.sha256 ?? null };
  const key = JSON.stringify(digests);
  let parsed = parsedPolicies.get(key);
  if (!parsed) {
    // The digests were just checked against the texts and the organisation's seal (recordedPolicy).
    parsed = cachedPolicy(digests, async () => effectivePolicy({ text: await packText(pack.body), source: 'recorded in the vault' }, override ? { text: override.body, source: 'override recorded in the vault' } : null));
    parsed.catch(() => parsedPolicies.delete(key));
    parsedPolicies.set(key, parsed);
  }
  return parsed;
}

/** The text of a recorded pack as enforced: a pack from before citations is laid over the shipped pack. */
export async function packText(body: string): Promise<string> {
  return (await upgradeLegacyPack(body, () => readFileSync(shippedFile('policies', 'shenyang-2021.yaml'), 'utf8'))) ?? body;
}

/** This terminal's device for the vault; with `login`, that person's (device-file.ts: people sharing an OS account). */
export function terminalDevice(vault: Vault, login?: string): DeviceKey | null {
  return readDeviceKey(vault.paths.devicesDir, vault.vaultId, login);
}

/**
 * The key this terminal signs checkpoints with: its device key, if the organisation certified it
 * and it was not revoked. Null on an unenrolled terminal: its entries wait for the next signed checkpoint.
 */
export async function deviceSigner(vault: Vault, device: DeviceKey | null, db: Kysely<DB> = vault.store.db): Promise<PrivateKey | null> {
  if (!device) return null;
  const row = await db.selectFrom('devices').select(['signing_fingerprint', 'status'])
    .where('id', '=', device.deviceId).executeTakeFirst();
  if (!row || row.status !== 'active') return null;
  const key = await readPrivate(device.signingKey.revealString());
  return fingerprintOf(key) === row.signing_fingerprint ? key : null;
}

function writerOf(vault: Vault, device: DeviceKey | null): AuditWriter {
  return { vaultId: vault.vaultId, deviceId: device?.deviceId ?? null, now: vault.now };
}

/**
 * Who signs the checkpoint of a change, passed by the use case (never read from shared state):
 * `by` is the person making it, whose personal key signs while the organisation certified it and
 * they are active; `key` is an explicit key (the organisation key on checkpoint export). Without
 * either, or when the person's key no longer qualifies, the terminal's device key signs.
 */
export interface ChangeOptions {
  by?: { login?: string; signer?: PersonSigner };
  key?: PrivateKey;
  /** Runs with the signed checkpoint before the transaction commits; a throw undoes the change. */
  beforeCommit?: (checkpoint: SignedCheckpoint) => void | Promise<void>;
}

/**
 * Apply a change and its audit entries in one write transaction, then sign a checkpoint in the same
 * transaction. If any part fails, nothing is written.
 */
export async function commitChange<T>(
  vault: Vault,
  change: (trx: Kysely<DB>, head: LogHead) => Promise<{ result: T; audit: AuditDraft[] }>,
  options: ChangeOptions = {},
): Promise<T> {
  return (await commitSignedChange(vault, change, options)).result;
}

/** `commitChange`, also returning the checkpoint it signed (null when no key could sign). */
export async function commitSignedChange<T>(
  vault: Vault,
  change: (trx: Kysely<DB>, head: LogHead) => Promise<{ result: T; audit: AuditDraft[] }>,
  options: ChangeOptions = {},
): Promise<{ result: T; checkpoint: SignedCheckpoint | null }> {
  const device = terminalDevice(vault, options.by?.login);
  const person = options.by?.signer;
  // Loaded outside the write lock (reading a key costs more than the change); a logged-in person's
  // key needs nothing loaded here.
  const deviceKey = options.key || person ? null : await deviceSigner(vault, device);
  const seen = readSeen(vault.paths.devicesDir, vault.vaultId);
  const done = await writeTransaction(vault.store, async (trx) => {
    // Before the change: the log must extend what this terminal saw, whatever the change does.
    const head = await inspectHead(trx, vault.vaultId, seen);
    const { result, audit } = await change(trx, head);
    if (audit.length === 0) return { result, checkpoint: null, head, signed: null };
    const writer = writerOf(vault, device);
    const signer = options.key ? keySigner(options.key) : await checkpointSigner(trx, vault, person, device, deviceKey);
    // Never vouch for entries someone else put at the tail (docs/SECURITY.md, "The log's tail").
    if (signer) assertSignableTail(head, vault.vaultId);
    const checkpoint = await recordAudit(trx, writer, audit, signer);
    const signed = checkpoint ? await ownTree(trx, head, checkpoint) : null;
    if (checkpoint && options.beforeCommit) await options.beforeCommit(checkpoint);
    return { result, checkpoint, head, signed };
  });
  rememberSeen(vault.paths.devicesDir, vault.vaultId, seenAfter(done.head, done.checkpoint, done.signed));
  return { result: done.result, checkpoint: done.checkpoint };
}

/** The tree this writer just signed, from the checked head plus its own leaves: it must be the signed root. */
async function ownTree(trx: Kysely<DB>, head: LogHead, checkpoint: SignedCheckpoint): Promise<MerkleAccumulator> {
  const tree = MerkleAccumulator.restore(head.tree.size, head.tree.peaks());
  const rows = await trx.selectFrom('audit_entries').select('leaf_hash').where('seq', '>=', tree.size).orderBy('seq').execute();
  for (const row of rows) tree.append(Buffer.from(row.leaf_hash, 'hex'));
  if (tree.size !== checkpoint.body.size || tree.root().toString('hex') !== checkpoint.body.root) {
    throw new GmvError('AUDIT_TAMPERED', { seq: head.checkpoint?.size ?? 0, detail: 'detail.headRoot', size: checkpoint.body.size });
  }
  return tree;
}

function seenAfter(head: LogHead, checkpoint: SignedCheckpoint | null, signed: MerkleAccumulator | null): SeenCheckpoint | null {
  if (checkpoint && signed) return { size: checkpoint.body.size, root: checkpoint.body.root, peaks: hexPeaks(signed), at: checkpoint.body.at, org: head.org };
  if (head.checkpoint) return { size: head.checkpoint.size, root: head.checkpoint.root, peaks: hexPeaks(head.atCheckpoint), at: head.checkpoint.at, org: head.org };
  return null;
}

function hexPeaks(tree: MerkleAccumulator): string[] {
  return tree.peaks().map((p) => p.toString('hex'));
}

/**
 * Append a change's entries and sign a checkpoint over them, inside the change's transaction: the
 * one path every write takes, `init` included (which has no vault to open yet).
 */
export async function recordAudit(trx: Kysely<DB>, writer: AuditWriter, audit: readonly AuditDraft[], signer: CheckpointSigner | null): Promise<SignedCheckpoint | null> {
  await appendAudit(trx, writer, audit);
  return signer ? writeCheckpoint(trx, writer, signer) : null;
}

/**
 * Who signs, decided inside the transaction so that a key revoked or retired meanwhile (or by this
 * very change) never signs: the logged-in person's certified key, else the terminal's device key
 * while the device is active, else nobody (the entries wait for the next signed checkpoint).
 */
async function checkpointSigner(trx: Kysely<DB>, vault: Vault, person: PersonSigner | undefined, device: DeviceKey | null, deviceKey: PrivateKey | null): Promise<CheckpointSigner | null> {
  if (person) {
    const row = await trx.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
      .select(['people.status as person_status', 'person_keys.status', 'person_keys.certification'])
      .where('person_keys.fingerprint', '=', person.fingerprint).where('person_keys.person_id', '=', person.personId).executeTakeFirst();
    if (row?.person_status === 'active' && row.status === 'active' && row.certification) return person;
  }
  if (deviceKey) return (await deviceStillActive(trx, device)) ? keySigner(deviceKey) : null;
  // Not loaded beforehand (a person was expected to sign): deviceSigner checks the device itself.
  const key = await deviceSigner(vault, device, trx);
  return key ? keySigner(key) : null;
}

async function deviceStillActive(trx: Kysely<DB>, device: DeviceKey | null): Promise<boolean> {
  if (!device) return false;
  const row = await trx.selectFrom('devices').select('status').where('id', '=', device.deviceId).executeTakeFirst();
  return row?.status === 'active';
}

/**
 * Record a refusal in its own transaction (the refused change is not part of it); `also` may
 * update bookkeeping that must move with the denial, such as the failed-login counter.
 */
export async function recordDenial(vault: Vault, draft: AuditDraft, also?: (trx: Kysely<DB>) => Promise<AuditDraft[]>, options: ChangeOptions = {}): Promise<void> {
  await commitChange(vault, async (trx) => ({ result: undefined, audit: [draft, ...(also ? await also(trx) : [])] }), options);
}
