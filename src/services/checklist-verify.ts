/**
 * `gmv checklist verify DIR [--org-key FILE]`: check an exported run with nothing but its folder (no
 * vault, no session). Names the first thing that is wrong: a signature, a key the organisation did
 * not certify, a missing countersignature, an audit entry not in the signed checkpoint, or a step,
 * note or evidence hash in the record that the audit log does not show. Integrity failures are
 * RECORD_INVALID (exit 6).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PublicKey } from 'openpgp';
import { GmvError, type ErrorParams } from '../errors.js';
import { canonicalJson } from '../domain/canonical.js';
import { RUN_RECORD_FORMAT, type RunRecord } from '../domain/checklist-record.js';
import { fingerprintOf, readPinnedKey, readPublic, verifyDetached } from '../crypto/pgp.js';
import { parseCheckpoint } from '../audit/checkpoint.js';
import { personKeyRecordText } from '../audit/device-record.js';
import { leafHash, verifyInclusion } from '../audit/merkle.js';
import { EXPORT_FILES } from '../audit/signatures.js';
import { orgChain } from '../audit/org-chain.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { RUN_FILES, type EntriesFile, type OrgChainFile, type SignerKeyFile } from './checklist-export.js';

export interface RunVerdict {
  id: string;
  template: string;
  performer: string;
  countersigner: string | null;
  steps: number;
  entries: number;
  checkpointSize: number;
  vault: string;
  orgKeyPinned: boolean;
  orgFingerprint: string;
  /** Re-keys followed from the pinned organisation key to the one that signed the checkpoint. */
  rekeys: number;
}

interface AuditBody { action: string; outcome: string; actor: string | null; subject: string | null; details: Record<string, unknown>; seq: number; vault: string }

export async function verifyRunFolder(dir: string, options: { orgKey?: string } = {}): Promise<RunVerdict> {
  // A folder that is not there (or a file given for it) is a wrong path, not an altered record.
  const kind = statSync(dir, { throwIfNoEntry: false });
  if (!kind) throw new GmvError('FILE_NOT_FOUND', { path: dir });
  if (!kind.isDirectory()) throw new GmvError('INVALID_INPUT', { what: dir, detail: 'detail.notAFolder' });
  const fail = (detail: MessageKey, params: ErrorParams = {}): never => {
    throw new GmvError('RECORD_INVALID', { ...params, dir, detail });
  };
  const read = (name: string) => {
    const path = join(dir, name);
    if (!existsSync(path)) fail('detail.recordMissingFile', { file: name });
    return readFileSync(path);
  };
  const recordBytes = read(RUN_FILES.record);
  let record: RunRecord;
  try {
    record = JSON.parse(recordBytes.toString('utf8')) as RunRecord;
  } catch {
    return fail('detail.recordNotJson', { file: RUN_FILES.record });
  }
  if (record.format !== RUN_RECORD_FORMAT) fail('detail.recordFormat', { format: String(record.format) });
  if (canonicalJson(record) !== recordBytes.toString('utf8')) fail('detail.recordNotCanonical');

  const folderOrg = read(EXPORT_FILES.orgKey).toString('utf8');
  const orgKey = await readPublic(folderOrg).catch(() => fail('detail.recordKeyUnreadable', { file: EXPORT_FILES.orgKey }));
  // The pin is the verifier's own input: a bad one is exit 11, not an altered record.
  const pinned = options.orgKey === undefined ? null : await readPinnedKey(options.orgKey);
  if (pinned && 'problem' in pinned) throw new GmvError('INVALID_INPUT', { what: '--org-key', detail: pinned.problem });
  const pin = pinned === null ? null : pinned.key;
  const checkpointText = read(EXPORT_FILES.checkpoint).toString('utf8');
  const trusted = pin ?? orgKey;
  // A pinned key vouches for the folder's key when it is that key, or when the re-key statements
  // lead from it to that key, each signed by the key it retires and by the one it hands over to.
  const rekeys = pin === null ? 0 : await rekeysSince(dir, pin, orgKey, folderOrg, checkpointText);
  if (rekeys === null || !(await verifyDetached(Buffer.from(checkpointText, 'utf8'), read(EXPORT_FILES.signature), orgKey))) {
    fail('detail.recordCheckpointSignature', { fingerprint: fingerprintOf(trusted) });
  }
  const checkpoint = parseCheckpoint(checkpointText) ?? fail('detail.recordCheckpointMalformed');
  if (record.vault !== checkpoint.vault) fail('detail.recordEntryForeign', { seq: 'run.json' });

  const signerKey = async (fingerprint: string, role: string): Promise<{ key: PublicKey; file: SignerKeyFile }> => {
    const meta = JSON.parse(read(join(RUN_FILES.keys, `${fingerprint}.json`)).toString('utf8')) as SignerKeyFile;
    const key = await readPublic(read(join(RUN_FILES.keys, `${fingerprint}.asc`)).toString('utf8')).catch(() => fail('detail.recordKeyUnreadable', { file: `keys/${fingerprint}.asc` }));
    if (fingerprintOf(key) !== fingerprint || meta.fingerprint !== fingerprint) fail('detail.recordKeyMismatch', { role, fingerprint });
    const certified = meta.certification !== null
      && await verifyDetached(Buffer.from(personKeyRecordText({ vault: checkpoint.vault, person: meta.login, fingerprint, created_at: meta.createdAt }), 'utf8'), Buffer.from(meta.certification, 'base64'), orgKey);
    if (!certified) fail('detail.recordKeyUncertified', { role, login: meta.login, fingerprint });
    return { key, file: meta };
  };

  // The performer's signature, by a key the organisation certified as theirs.
  const performer = await signerKey(record.performer.fingerprint, 'performer');
  if (performer.file.login !== record.performer.login) fail('detail.recordKeyMismatch', { role: 'performer', fingerprint: record.performer.fingerprint });
  if (!(await verifyDetached(recordBytes, read(RUN_FILES.performerSig), performer.key))) fail('detail.recordSignature', { role: 'performer', login: record.performer.login });

  // The audit entries, each in the signed checkpoint.
  const entriesFile = JSON.parse(read(RUN_FILES.entries).toString('utf8')) as EntriesFile;
  const root = Buffer.from(checkpoint.root, 'hex');
  const bodies: AuditBody[] = [];
  for (const entry of entriesFile.entries) {
    const proof = entry.proof.map((h) => Buffer.from(h, 'hex'));
    if (!verifyInclusion(entry.seq, checkpoint.size, leafHash(Buffer.from(entry.body, 'utf8')), proof, root)) fail('detail.recordEntryNotIncluded', { seq: entry.seq });
    const body = JSON.parse(entry.body) as AuditBody;
    if (body.seq !== entry.seq || body.vault !== checkpoint.vault || body.subject !== record.run.id) fail('detail.recordEntryForeign', { seq: entry.seq });
    bodies.push(body);
  }
  for (const seq of record.auditEntries) if (!bodies.some((b) => b.seq === seq)) fail('detail.recordEntryMissing', { seq });

  // The record says what the log recorded: each step's latest status, note and evidence.
  if (!bodies.some((b) => b.action === 'checklist.start' && record.auditEntries.includes(b.seq))) fail('detail.recordEntryMissing', { seq: 'checklist.start' });
  for (const step of record.steps) {
    const logged = bodies.filter((b) => b.action === 'checklist.step' && record.auditEntries.includes(b.seq) && b.details.step === step.id).at(-1);
    if (!logged) fail('detail.recordStepNotLogged', { step: step.id });
    const d = logged!.details as { status: string; note: string | null; evidence: { name: string; sha256: string; size: number }[] };
    if (d.status !== step.status) fail('detail.recordStepStatus', { step: step.id, record: step.status, log: d.status });
    if ((d.note ?? null) !== (step.note ?? null)) fail('detail.recordStepNote', { step: step.id });
    if (canonicalJson(d.evidence ?? []) !== canonicalJson(step.evidence)) {
      const differing = step.evidence.find((e) => !(d.evidence ?? []).some((l) => l.sha256 === e.sha256 && l.name === e.name && l.size === e.size));
      fail('detail.recordStepEvidence', { step: step.id, sha256: differing?.sha256 ?? '-' });
    }
    if (logged!.actor !== step.by) fail('detail.recordStepStatus', { step: step.id, record: step.by, log: String(logged!.actor) });
  }
  const recordSha = createHash('sha256').update(recordBytes).digest('hex');
  const signed = bodies.find((b) => b.action === 'checklist.sign' && b.outcome === 'ok');
  if (!signed || signed.actor !== record.performer.login || signed.details.record_sha256 !== recordSha || signed.details.fingerprint !== record.performer.fingerprint) fail('detail.recordSignEntry', { role: 'performer' });

  // The countersignature: present when required, by someone else, holding a countersigning role.
  const countered = bodies.find((b) => b.action === 'checklist.countersign' && b.outcome === 'ok');
  let countersigner: string | null = null;
  if (countered) {
    const fingerprint = String(countered.details.fingerprint);
    if (fingerprint === record.performer.fingerprint || countered.actor === record.performer.login) fail('detail.recordSelfCountersigned');
    if (countered.details.record_sha256 !== recordSha) fail('detail.recordSignEntry', { role: 'countersigner' });
    const roles = (countered.details.roles ?? []) as string[];
    if (record.countersign.roles.length && !roles.some((r) => record.countersign.roles.includes(r))) fail('detail.recordCountersignRole', { login: String(countered.actor) });
    const counter = await signerKey(fingerprint, 'countersigner');
    if (counter.file.login !== countered.actor) fail('detail.recordKeyMismatch', { role: 'countersigner', fingerprint });
    if (!existsSync(join(dir, RUN_FILES.countersignerSig))) fail('detail.recordCountersignMissing');
    if (!(await verifyDetached(recordBytes, read(RUN_FILES.countersignerSig), counter.key))) fail('detail.recordSignature', { role: 'countersigner', login: String(countered.actor) });
    countersigner = String(countered.actor);
  } else if (record.countersign.required) {
    fail('detail.recordCountersignMissing');
  }
  return {
    id: record.run.id, template: record.run.template, performer: record.performer.login, countersigner, steps: record.steps.length, entries: bodies.length,
    checkpointSize: checkpoint.size, vault: checkpoint.vault, orgKeyPinned: pin !== null, orgFingerprint: fingerprintOf(orgKey), rekeys: rekeys ?? 0,
  };
}

/**
 * How many re-keys lead from the pinned key to the folder's organisation key (0 when they are the
 * same key), through the folder's org-chain.json; null when none does. The vault the statements
 * must name is the checkpoint's, which the folder's key must then have signed.
 */
async function rekeysSince(dir: string, pin: PublicKey, orgKey: PublicKey, folderOrg: string, checkpointText: string): Promise<number | null> {
  if (fingerprintOf(orgKey) === fingerprintOf(pin)) return 0;
  const vault = parseCheckpoint(checkpointText)?.vault;
  const path = join(dir, RUN_FILES.orgChain);
  if (vault === undefined || !existsSync(path)) return null;
  let file: OrgChainFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as OrgChainFile;
    if (!Array.isArray(file.keys) || !Array.isArray(file.transitions)) return null;
  } catch {
    return null;
  }
  const chain = await orgChain(vault, folderOrg, file.keys, file.transitions).catch(() => null);
  const at = chain?.findIndex((link) => link.key.fingerprint === fingerprintOf(pin)) ?? -1;
  return at > 0 ? at : null;
}
