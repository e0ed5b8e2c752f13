/**
 * gmv audit prune: drop the contents of entries older than the policy's retention. Their leaf
 * hashes stay, so the tree and every checkpoint still verify; the prune itself is a signed entry.
 */
import { GmvError } from '../errors.js';
import { DAY_MS, formatChinaTime } from '../domain/dates.js';
import { Actions } from '../audit/entry.js';
import { authorize, type Actor } from './access.js';
import { activePolicy, commitChange, recordDenial, type Vault } from './vault.js';

export interface PruneOptions {
  before: Date;
  actor: Actor;
}

export interface PruneResult {
  pruned: number;
  upToSeq: number | null;
  before: string;
}

export async function pruneAudit(vault: Vault, options: PruneOptions): Promise<PruneResult> {
  const person = options.actor;
  await authorize(vault, person, 'audit.prune', null);
  const policy = await activePolicy(vault.store.db);
  const limit = new Date(vault.now().getTime() - policy.audit.retentionDays * DAY_MS);
  const before = options.before.toISOString();
  if (options.before > limit) {
    await recordDenial(vault, { action: Actions.auditPrune, actor: person.login, subject: null, outcome: 'denied',
      details: { before, reason: `inside the ${policy.audit.retentionDays}-day retention` } }, undefined, { by: person });
    throw new GmvError('DENIED_RETENTION', { limit: formatChinaTime(limit), days: policy.audit.retentionDays });
  }
  return commitChange<PruneResult>(vault, async (trx) => {
    const last = await trx.selectFrom('audit_entries').select((eb) => eb.fn.max('seq').as('seq'))
      .where('at', '<', before).executeTakeFirst();
    const upTo = last?.seq === null || last?.seq === undefined ? null : Number(last.seq);
    if (upTo === null) return { result: { pruned: 0, upToSeq: null, before }, audit: [] };
    const updated = await trx.updateTable('audit_entries').set({ body: null })
      .where('seq', '<=', upTo).where('at', '<', before).where('body', 'is not', null).executeTakeFirst();
    const pruned = Number(updated.numUpdatedRows);
    return {
      result: { pruned, upToSeq: upTo, before },
      audit: [{ action: Actions.auditPrune, actor: person.login, subject: null, outcome: 'ok', details: { before, up_to_seq: upTo, count: pruned, retention_days: policy.audit.retentionDays } }],
    };
  }, { by: person });
}
