/**
 * `gmv checklist export RUN --out DIR`: everything an auditor needs to check a signed run offline,
 * with gmv (`gmv checklist verify DIR`) or with GnuPG alone (VERIFY.txt):
 *   run.json                 the canonical record both people signed (domain/checklist-record.ts)
 *   run.performer.sig        OpenPGP detached binary signature by the performer's person key
 *   run.countersigner.sig    the same by the countersigner's (when countersigned)
 *   keys/FPR.asc, FPR.json   each signer's public key, and the organisation's certification of it
 *   org-key.asc              the organisation's public key
 *   org-chain.json           the organisation's earlier keys and the re-key statements between them,
 *                            so an auditor who pinned an earlier key follows it to this one
 *   checkpoint.json(.sig)    a checkpoint of the audit log signed by the organisation key now
 *   audit-entries.json       the run's audit entries with an RFC 9162 inclusion proof each
 *   VERIFY.txt               how to check it, in zh-CN and en
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GmvError } from '../errors.js';
import { parseCheckpoint } from '../audit/checkpoint.js';
import { inclusionProof } from '../audit/merkle.js';
import { EXPORT_FILES } from '../audit/signatures.js';
import type { KeyHolder } from './keys.js';
import { exportCheckpoint } from './audit-checkpoint-export.js';
import type { Vault } from './vault.js';
import type { StoredTransition } from '../audit/org-chain.js';

export const RUN_FILES = {
  record: 'run.json', performerSig: 'run.performer.sig', countersignerSig: 'run.countersigner.sig',
  keys: 'keys', entries: 'audit-entries.json', howTo: 'VERIFY.txt', orgChain: 'org-chain.json',
} as const;

/** org-chain.json: every organisation key of the vault and every re-key statement, as stored. */
export interface OrgChainFile {
  vault: string;
  keys: { fingerprint: string; publicKey: string }[];
  transitions: StoredTransition[];
}

export interface SignerKeyFile {
  login: string;
  fingerprint: string;
  createdAt: string;
  /** Base64 detached signature by the organisation key over the person-key record (audit/device-record.ts). */
  certification: string | null;
}

export interface EntriesFile {
  vault: string;
  treeSize: number;
  entries: { seq: number; body: string; proof: string[] }[];
}

export async function exportRun(vault: Vault, holder: KeyHolder & { deviceId: string }, runId: string, outDir: string): Promise<{ id: string; dir: string; files: string[] }> {
  const db = vault.store.db;
  const run = await db.selectFrom('checklist_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!run) throw new GmvError('CHECKLIST_RUN_NOT_FOUND', { run: runId });
  if (!run.record || !run.performer_sig) throw new GmvError('CHECKLIST_NOT_SIGNED', { run: runId });
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new GmvError('OUTPUT_EXISTS', { path: outDir });
  // A fresh checkpoint signed by the organisation key covers every entry of the run, its signatures included.
  await exportCheckpoint(vault, { outDir, holder });
  const checkpoint = parseCheckpoint(readFileSync(join(outDir, EXPORT_FILES.checkpoint), 'utf8'));
  if (!checkpoint) throw new GmvError('INTERNAL', { detail: 'detail.exportCheckpointParse' });
  const record = JSON.parse(run.record) as { auditEntries: number[] };
  const extra = await db.selectFrom('audit_entries').select('seq').where('subject', '=', runId).where('action', 'in', ['checklist.sign', 'checklist.countersign']).where('outcome', '=', 'ok').orderBy('seq').execute();
  const seqs = [...record.auditEntries, ...extra.map((e) => Number(e.seq))].filter((s) => s < checkpoint.size);
  const leaves = (await db.selectFrom('audit_entries').select('leaf_hash').where('seq', '<', checkpoint.size).orderBy('seq').execute()).map((r) => Buffer.from(r.leaf_hash, 'hex'));
  const bodies = await db.selectFrom('audit_entries').select(['seq', 'body']).where('seq', 'in', seqs.length ? seqs : [-1]).execute();
  const entries: EntriesFile['entries'] = seqs.map((seq) => {
    const body = bodies.find((b) => Number(b.seq) === seq)?.body;
    if (body === undefined || body === null) throw new GmvError('AUDIT_TAMPERED', { seq, detail: 'detail.exportRunEntryMissing' });
    return { seq, body, proof: inclusionProof(seq, leaves).map((h) => h.toString('hex')) };
  });

  writeFileSync(join(outDir, RUN_FILES.record), run.record, { flag: 'wx' });
  writeFileSync(join(outDir, RUN_FILES.performerSig), Buffer.from(run.performer_sig, 'base64'), { flag: 'wx' });
  if (run.countersigner_sig) writeFileSync(join(outDir, RUN_FILES.countersignerSig), Buffer.from(run.countersigner_sig, 'base64'), { flag: 'wx' });
  mkdirSync(join(outDir, RUN_FILES.keys));
  for (const fingerprint of [run.performer_fingerprint, run.countersigner_fingerprint].filter((f): f is string => Boolean(f))) {
    const key = await db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
      .select(['people.login', 'person_keys.public_key', 'person_keys.created_at', 'person_keys.certification']).where('person_keys.fingerprint', '=', fingerprint).executeTakeFirstOrThrow();
    writeFileSync(join(outDir, RUN_FILES.keys, `${fingerprint}.asc`), key.public_key, { flag: 'wx' });
    const file: SignerKeyFile = { login: key.login, fingerprint, createdAt: key.created_at, certification: key.certification ?? null };
    writeFileSync(join(outDir, RUN_FILES.keys, `${fingerprint}.json`), `${JSON.stringify(file, null, 2)}\n`, { flag: 'wx' });
  }
  const chain: OrgChainFile = {
    vault: checkpoint.vault,
    keys: (await db.selectFrom('org_keys').select(['fingerprint', 'public_key']).orderBy('created_at').execute()).map((k) => ({ fingerprint: k.fingerprint, publicKey: k.public_key })),
    transitions: (await db.selectFrom('org_transitions').select(['body', 'from_signature', 'to_signature', 'ca_signature']).orderBy('id').execute())
      .map((t) => ({ body: t.body, fromSignature: t.from_signature, toSignature: t.to_signature, caSignature: t.ca_signature })),
  };
  writeFileSync(join(outDir, RUN_FILES.orgChain), `${JSON.stringify(chain, null, 2)}\n`, { flag: 'wx' });
  const entriesFile: EntriesFile = { vault: checkpoint.vault, treeSize: checkpoint.size, entries };
  writeFileSync(join(outDir, RUN_FILES.entries), `${JSON.stringify(entriesFile, null, 2)}\n`, { flag: 'wx' });
  writeFileSync(join(outDir, RUN_FILES.howTo), howTo(runId, Boolean(run.countersigner_sig)), { flag: 'wx' });
  return { id: runId, dir: outDir, files: readdirSync(outDir).sort() };
}

function howTo(runId: string, countersigned: boolean): string {
  const gpg = [
    'export GNUPGHOME=$(mktemp -d)',
    'gpg --import org-key.asc keys/*.asc',
    'gpg --verify checkpoint.json.sig checkpoint.json',
    'gpg --verify run.performer.sig run.json',
    ...(countersigned ? ['gpg --verify run.countersigner.sig run.json'] : []),
  ].map((l) => `    ${l}`).join('\n');
  return `检查单 ${runId} 的签名记录 / Signed record of checklist run ${runId}

【中文】
完整核验（签名、组织对签名人密钥的认证、审计日志包含证明、记录与审计日志一致）：
    gmv checklist verify .  --org-key 您信任的组织公钥.asc
仅用 GnuPG 核验签名（在本目录中运行）：
${gpg}
每条 gpg --verify 均应显示 "Good signature"（“完好的签名”）。run.json 是执行人${countersigned ? '和复核人' : ''}签署的原始字节，不得重新格式化。

[English]
Full check (signatures, the organisation's certification of each signer's key, inclusion of the run's
audit entries in the signed checkpoint, and the record agreeing with the log):
    gmv checklist verify .  --org-key THE-ORG-KEY-YOU-TRUST.asc
The signatures with GnuPG alone (run in this folder):
${gpg}
Each gpg --verify must say "Good signature". run.json holds the exact bytes the performer${countersigned ? ' and the countersigner' : ''} signed: do not reformat it.
`;
}
