/**
 * `gmv backup drill`: the art. 28 restore drill, measured instead of described. Restores the latest
 * backup (or --backup FILE) into a scratch file, verifies it, compares it with the live vault — the
 * live audit log must extend the backup's (same root at the backup's size), row counts side by
 * side — times the restore, and records all of it as the three steps of a `backup-restore-drill`
 * run in one change, ready for the performer to sign and a second officer to countersign.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { GmvError } from '../errors.js';
import { canonicalJson } from '../domain/canonical.js';
import type { RecordEvidence } from '../domain/checklist-record.js';
import { rootOf } from '../audit/merkle.js';
import { sqliteConnection } from '../store/driver.js';
import { hashEvidence } from '../local/evidence.js';
import { authorize } from './access.js';
import { inScratch, type BackupKeys } from './backup-restore.js';
import { workCalendar } from './calendar.js';
import { checklistDoor, recordStepIn, showRun, startRunIn, type RunView } from './checklists.js';
import type { SessionActor } from './session.js';
import { activePolicy, commitChange, type Vault } from './vault.js';

export const DRILL_TEMPLATE = 'backup-restore-drill';

export interface DrillResult {
  run: RunView;
  backup: string;
  seconds: number;
  auditMatches: boolean;
  differences: { table: string; restored: number; live: number }[];
}

/** The newest backup this vault recorded making whose file is still where it was written. */
async function latestBackup(vault: Vault): Promise<string> {
  const rows = await vault.store.db.selectFrom('audit_entries').select('body').where('action', '=', 'backup.create').where('outcome', '=', 'ok').orderBy('seq', 'desc').limit(50).execute();
  for (const row of rows) {
    if (!row.body) continue;
    const out = (JSON.parse(row.body) as { details?: { out?: unknown } }).details?.out;
    if (typeof out === 'string' && existsSync(out)) return out;
  }
  throw new GmvError('BACKUP_NONE', {});
}

export async function backupDrill(vault: Vault, actor: SessionActor, input: { backup?: string; keys: BackupKeys }): Promise<DrillResult> {
  await authorize(vault, actor, 'backup.create');
  const policy = await activePolicy(vault.store.db);
  if (!policy.checklists[DRILL_TEMPLATE]) throw new GmvError('CHECKLIST_TEMPLATE_UNKNOWN', { template: DRILL_TEMPLATE });
  // The drill records its steps as this person's work: the performer's roles and training, as at gmv checklist step.
  await checklistDoor(vault, actor, 'checklist.step', DRILL_TEMPLATE, policy.checklists[DRILL_TEMPLATE].performers);
  const file = input.backup ?? await latestBackup(vault);
  const evidence = hashEvidence(file);
  const db = vault.store.db;
  const measured = await inScratch(file, { holder: actor, ...input.keys }, async (checked, scratch) => {
    if (checked.manifest.vault !== vault.vaultId) throw new GmvError('BACKUP_INVALID', { path: file, detail: 'detail.backupOtherVault', vault: checked.manifest.vault });
    // The live log must extend the backup's: the same root over the backup's entries.
    const size = checked.manifest.audit.size;
    const leaves = (await db.selectFrom('audit_entries').select('leaf_hash').where('seq', '<', size).orderBy('seq').execute()).map((r) => Buffer.from(r.leaf_hash, 'hex'));
    const auditMatches = leaves.length === size && rootOf(leaves).toString('hex') === checked.manifest.audit.root;
    const restored = await sqliteConnection(scratch.path, { readonly: true, fileMustExist: true });
    const differences: DrillResult['differences'] = [];
    try {
      for (const table of Object.keys(checked.manifest.tables).sort()) {
        if (table === 'gmv_migrations') continue;
        const count = (t: string) => `select count(*) as n from "${t}"`;
        const restoredRows = Number((restored.prepare(count(table)).get() as { n: number }).n);
        const live = Number((await db.selectFrom(table as 'accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
        if (restoredRows !== live) differences.push({ table, restored: restoredRows, live });
      }
    } finally {
      restored.close();
    }
    return { checked, seconds: scratch.seconds, auditMatches, differences };
  });
  const { checked, seconds, auditMatches, differences } = measured;
  const manifestText = canonicalJson(checked.manifest);
  const manifestEvidence: RecordEvidence = { name: 'manifest.json', sha256: createHash('sha256').update(manifestText).digest('hex'), size: Buffer.byteLength(manifestText) };
  const comparison = canonicalJson({ audit: { size: checked.manifest.audit.size, root: checked.manifest.audit.root, live_extends_it: auditMatches }, differences, seconds: Math.round(seconds * 1000) });
  const comparisonEvidence: RecordEvidence = { name: 'comparison.json', sha256: createHash('sha256').update(comparison).digest('hex'), size: Buffer.byteLength(comparison) };
  const rows = Object.values(checked.manifest.tables).reduce((a, b) => a + b, 0);
  const changed = differences.map((d) => `${d.table} ${d.restored}→${d.live}`).join(', ');
  const calendar = await workCalendar(vault);
  const now = vault.now();
  const runId = await commitChange(vault, async (trx) => {
    const started = await startRunIn(trx, { policy, calendar, now }, { template: DRILL_TEMPLATE, by: actor.login, trigger: 'backup drill' });
    const run = { pk: Number((await trx.selectFrom('checklist_runs').select('id').where('run_id', '=', started.id).executeTakeFirstOrThrow()).id), id: started.id, template: policy.checklists[DRILL_TEMPLATE]! };
    const steps = [
      await recordStepIn(trx, run, { id: 'backup', status: 'done', note: `${basename(file)}, made ${checked.manifest.created_at} by ${checked.manifest.created_by}, signed by ${checked.manifest.signer.fingerprint}`, evidence: [evidence], by: actor.login, at: now }),
      await recordStepIn(trx, run, { id: 'restore', status: 'done', note: `restored into a scratch vault and verified in ${seconds.toFixed(2)} s: ${rows} rows, ${checked.audit.entries} audit entries, root ${checked.audit.root}`, evidence: [manifestEvidence], by: actor.login, at: now }),
      await recordStepIn(trx, run, {
        id: 'compare',
        status: auditMatches ? 'done' : 'failed',
        note: auditMatches
          ? `the live audit log extends the backup's (same root at ${checked.manifest.audit.size} entries); ${differences.length === 0 ? 'row counts equal' : `changed since the backup: ${changed}`}`
          : `the live audit log does NOT extend the backup's at ${checked.manifest.audit.size} entries`,
        evidence: [comparisonEvidence], by: actor.login, at: now,
      }),
    ];
    return { result: started.id, audit: [started.audit, ...steps, { action: 'backup.drill', actor: actor.login, subject: started.id, outcome: auditMatches ? 'ok' : 'failed', details: { file, seconds: Math.round(seconds * 1000), rows, differences } }] };
  }, { by: actor });
  return { run: await showRun(vault, runId), backup: file, seconds, auditMatches, differences };
}
