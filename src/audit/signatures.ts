/**
 * The OpenPGP half of audit verification, on plain data so that it can run on a worker thread while
 * the main thread hashes the log: which keys may sign checkpoints (the organisation key and the
 * device and person keys it certified), whether each checkpoint's signature holds, and the auditor's
 * own files (a pinned organisation key, an older exported checkpoint and its signature). Signatures
 * of the shape gmv writes are checked with node:crypto (crypto/ed25519-pgp.ts); openpgp.js is loaded
 * only for anything else, and has the last word there.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PublicKey } from 'openpgp';
import { GmvError } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { INPUT_LIMITS, readBounded, readBoundedText } from '../local/input-limits.js';
import { readPinnedKey, readPublic, verifyDetached, fingerprintOf } from '../crypto/pgp.js';
import { parseEd25519PublicKey, verifyEd25519Detached, type Ed25519Key } from '../crypto/ed25519-pgp.js';
import { parseCheckpoint, type CheckpointBody } from './checkpoint.js';
import { deviceRecordText, personKeyRecordText } from './device-record.js';

/** File names of an exported checkpoint set (gmv audit checkpoint export). */
export const EXPORT_FILES = { checkpoint: 'checkpoint.json', signature: 'checkpoint.json.sig', orgKey: 'org-key.asc' } as const;

export interface DeviceSignerRow {
  id: string;
  person: string | null;
  signingFingerprint: string;
  signingPublicKey: string;
  certification: string;
  createdAt: string;
}

export interface PersonKeyRow {
  fingerprint: string;
  person: string;
  publicKey: string;
  certification: string;
  createdAt: string;
}

export interface SignedCheckpoint {
  id: number;
  body: string;
  signer: string;
  signature: string;
}

export interface SignatureInput {
  vaultId: string;
  /** The vault's organisation public key (armored). */
  orgKey: string;
  /**
   * Earlier organisation keys the vault's key was handed over from (gmv org rekey), each with the
   * tree size it signs up to: the chain `org-chain.ts#orgChain` verified, newest first.
   */
  formerOrgKeys?: { armored: string; treeSize: number }[];
  /** The organisation key the auditor pinned; default: org-key.asc beside the checkpoint, else the vault's. */
  orgKeyFile?: string;
  /** An exported checkpoint.json (its .sig beside it) the log must extend. */
  sinceCheckpointFile?: string;
  devices: DeviceSignerRow[];
  /** Person keys with an organisation certification (they sign while their holder is logged in). */
  personKeys: PersonKeyRow[];
  checkpoints: SignedCheckpoint[];
}

export interface SignatureFailure {
  id: number;
  detail: 'detail.unknownSigner' | 'detail.badSignature';
  signer: string;
}

export interface SignatureVerdicts {
  orgFingerprint: string;
  /** Fingerprints of the earlier organisation keys in the chain, with the tree size each signs up to. */
  formerOrg: Record<string, number>;
  /** The organisation key came from the auditor (--org-key, or org-key.asc beside the checkpoint), not the vault. */
  orgKeyPinned: boolean;
  /** Checkpoints whose signature does not hold; the others are signed by a certified key. */
  failures: SignatureFailure[];
  /** The auditor's checkpoint, its signature checked. */
  since?: CheckpointBody;
  /** Person keys whose certification does not hold, or whose stored key is not the one it certifies. */
  keyProblems: { table: 'person_keys'; row: string; detail: string }[];
}

/** A public key as the verifier uses it: the node:crypto form when it has gmv's shape, openpgp.js on demand. */
export interface VerifyKey {
  fingerprint: string;
  fast: Ed25519Key | null;
  pgp(): Promise<PublicKey>;
}

export async function loadKey(armored: string): Promise<VerifyKey> {
  const fast = parseEd25519PublicKey(armored);
  let parsed: Promise<PublicKey> | undefined;
  const pgp = () => (parsed ??= readPublic(armored));
  return { fast, fingerprint: fast?.fingerprint ?? fingerprintOf(await pgp()), pgp };
}

export async function verifyWith(data: Uint8Array, signature: Uint8Array, key: VerifyKey, date?: Date): Promise<boolean> {
  if (key.fast && verifyEd25519Detached(data, signature, key.fast, date) === true) return true;
  return verifyDetached(data, signature, await key.pgp(), date);
}

/** Why a person key does not count as the organisation's (catalogue details). */
export type KeyCertificationProblem = 'detail.certSignature' | 'detail.certKeyMismatch';

/**
 * The one rule for whether a person key is the organisation's: its certification is a signature by
 * one of `orgKeys` over the key's record (vault, person, fingerprint, creation time), and the
 * stored public key is the key that record names. The door (services/state-seals.ts#certifiedKey:
 * what is encrypted to a person), the signers of signed records (services/training.ts#signerKeys)
 * and the verifier (certifiedSigners below) all ask it; a key row changed outside gmv fails it.
 */
export async function certifiedPersonKey(
  vaultId: string,
  row: { login: string; fingerprint: string; createdAt: string; certification: string; publicKey: string },
  orgKeys: readonly VerifyKey[],
  at?: Date,
): Promise<{ key: VerifyKey; problem?: undefined } | { problem: KeyCertificationProblem }> {
  const record = Buffer.from(personKeyRecordText({ vault: vaultId, person: row.login, fingerprint: row.fingerprint, created_at: row.createdAt }), 'utf8');
  const signature = Buffer.from(row.certification, 'base64');
  let holds = false;
  for (const org of orgKeys) {
    holds = await verifyWith(record, signature, org, at);
    if (holds) break;
  }
  if (!holds) return { problem: 'detail.certSignature' };
  const key = await loadKey(row.publicKey).catch(() => null);
  return key?.fingerprint === row.fingerprint ? { key } : { problem: 'detail.certKeyMismatch' };
}

export async function checkSignatures(input: SignatureInput): Promise<SignatureVerdicts> {
  const orgKey = await loadKey(input.orgKey);
  const former = await Promise.all((input.formerOrgKeys ?? []).map(async (k) => ({ key: await loadKey(k.armored), treeSize: k.treeSize })));
  const formerOrg = Object.fromEntries(former.map((f) => [f.key.fingerprint, f.treeSize]));
  if (input.orgKeyFile) {
    // The auditor's own copy of the organisation key is the trust anchor, not the vault's: it must
    // be the vault's key or one the chain of re-keys reaches it from.
    const pinned = await readKeyFile(input.orgKeyFile);
    if (pinned.fingerprint !== orgKey.fingerprint && !(pinned.fingerprint in formerOrg)) {
      throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyReplaced', found: orgKey.fingerprint, pinned: pinned.fingerprint });
    }
  }
  const auditor = input.sinceCheckpointFile ? await readAuditorCheckpoint(input, orgKey, former.map((f) => f.key)) : undefined;
  const since = auditor?.body;
  const { signers, keyProblems } = await certifiedSigners(input, orgKey);
  // An earlier organisation key signed checkpoints (exports) before its re-key; verify.ts bounds them by size.
  for (const f of former) signers.set(f.key.fingerprint, f.key);
  const verdicts = await Promise.all(input.checkpoints.map(async (cp): Promise<SignatureFailure | null> => {
    const key = signers.get(cp.signer);
    if (!key) return { id: cp.id, detail: 'detail.unknownSigner', signer: cp.signer };
    const valid = await verifyWith(Buffer.from(cp.body, 'utf8'), Buffer.from(cp.signature, 'base64'), key);
    return valid ? null : { id: cp.id, detail: 'detail.badSignature', signer: cp.signer };
  }));
  return {
    orgFingerprint: orgKey.fingerprint,
    formerOrg,
    orgKeyPinned: Boolean(input.orgKeyFile) || Boolean(auditor?.pinned),
    failures: verdicts.filter((v) => v !== null),
    ...(since ? { since } : {}),
    keyProblems,
  };
}

/**
 * Keys allowed to sign checkpoints: the organisation key, and the device and person keys it
 * certified; and the person keys whose certification is there but does not hold (a key row
 * changed outside gmv: what is encrypted to it would go to whoever put it there).
 */
/** How `gmv audit verify` words a person key's problem in its STATE_MISMATCH (a catalogue key, as the replay's are). */
const KEY_PROBLEM_DETAIL: Record<KeyCertificationProblem, MessageKey> = {
  'detail.certSignature': 'detail.personKeyCertSignature',
  'detail.certKeyMismatch': 'detail.certKeyMismatch',
};

async function certifiedSigners(input: SignatureInput, orgKey: VerifyKey): Promise<{ signers: Map<string, VerifyKey>; keyProblems: SignatureVerdicts['keyProblems'] }> {
  const signers = new Map<string, VerifyKey>([[orgKey.fingerprint, orgKey]]);
  const keyProblems: SignatureVerdicts['keyProblems'] = [];
  const deviceCertified = async (device: DeviceSignerRow) => {
    const record = deviceRecordText({ vault: input.vaultId, id: device.id, person: device.person, signing_fingerprint: device.signingFingerprint, created_at: device.createdAt });
    if (!(await verifyWith(Buffer.from(record, 'utf8'), Buffer.from(device.certification, 'base64'), orgKey))) return;
    const key = await loadKey(device.signingPublicKey).catch(() => null);
    if (key?.fingerprint === device.signingFingerprint) signers.set(device.signingFingerprint, key);
  };
  const personCertified = async (person: PersonKeyRow) => {
    const verdict = await certifiedPersonKey(input.vaultId, { login: person.person, fingerprint: person.fingerprint, createdAt: person.createdAt, certification: person.certification, publicKey: person.publicKey }, [orgKey]);
    if (verdict.problem === undefined) signers.set(person.fingerprint, verdict.key);
    else keyProblems.push({ table: 'person_keys', row: `${person.person} ${person.fingerprint}`, detail: KEY_PROBLEM_DETAIL[verdict.problem] });
  };
  await Promise.all([...input.devices.map(deviceCertified), ...input.personKeys.map(personCertified)]);
  keyProblems.sort((a, b) => a.row.localeCompare(b.row));
  return { signers, keyProblems };
}

async function readAuditorCheckpoint(input: SignatureInput, vaultKey: VerifyKey, former: VerifyKey[]): Promise<{ body: CheckpointBody; pinned: boolean }> {
  const path = input.sinceCheckpointFile!;
  const text = readText(path);
  const body = parseCheckpoint(text);
  if (!body) throw new GmvError('CHECKPOINT_INVALID', { what: path, detail: 'detail.checkpointForm' });
  if (body.vault !== input.vaultId) throw new GmvError('CHECKPOINT_FOREIGN', { found: body.vault, expected: input.vaultId });
  const sigPath = `${path}.sig`;
  if (!existsSync(sigPath)) throw new GmvError('FILE_NOT_FOUND', { path: sigPath });
  const pinnedPath = input.orgKeyFile ?? join(dirname(path), EXPORT_FILES.orgKey);
  const pinned = existsSync(pinnedPath) ? await readKeyFile(pinnedPath) : null;
  if (!pinned && input.orgKeyFile) throw new GmvError('FILE_NOT_FOUND', { path: input.orgKeyFile });
  if (pinned && pinned.fingerprint !== vaultKey.fingerprint && !former.some((k) => k.fingerprint === pinned.fingerprint)) {
    throw new GmvError('AUDIT_TAMPERED', { seq: 0, detail: 'detail.orgKeyReplaced', found: vaultKey.fingerprint, pinned: pinned.fingerprint });
  }
  const signature = readBounded(sigPath, INPUT_LIMITS.auditorFile, 'what.checkpointSignature');
  // Exported before a re-key, it carries an earlier organisation key's signature; the pinned key
  // (checked above to be in the chain) vouches for every key the chain hands over to.
  const candidates = [vaultKey, ...former];
  let valid = false;
  for (const key of candidates) if (!valid) valid = await verifyWith(Buffer.from(text, 'utf8'), signature, key);
  if (!valid) {
    throw new GmvError('CHECKPOINT_INVALID', { what: path, detail: 'detail.checkpointOrgSignature' });
  }
  return { body, pinned: pinned !== null };
}

async function readKeyFile(path: string): Promise<VerifyKey> {
  const armored = readText(path);
  // gmv's own key shape (a public-key packet) is read without openpgp.js; any other is read as every pin is (readPinnedKey).
  const key = await loadKey(armored).catch(() => null);
  if (key?.fast) return key;
  const pinned = await readPinnedKey(armored);
  if ('problem' in pinned) throw new GmvError('INVALID_INPUT', { what: path, detail: pinned.problem });
  return key ?? loadKey(armored);
}

function readText(path: string): string {
  return readBoundedText(path, INPUT_LIMITS.auditorFile, 'what.auditorFile');
}
