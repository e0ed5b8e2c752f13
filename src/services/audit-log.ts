/** gmv audit log: entries filtered by actor, subject, action and time, oldest first. */
import type { Vault } from './vault.js';
import type { AuditBody, AuditEntry } from '../audit/entry.js';

export interface AuditLogQuery {
  actor?: string;
  subject?: string;
  action?: string;
  since?: Date;
  until?: Date;
  limit?: number;
}

export async function listAudit(vault: Vault, query: AuditLogQuery): Promise<AuditEntry[]> {
  let q = vault.store.db.selectFrom('audit_entries').selectAll();
  if (query.actor) q = q.where('actor', '=', query.actor);
  if (query.subject) q = q.where('subject', '=', query.subject);
  if (query.action) {
    // "device.*" selects a family of actions; anything else is an exact name.
    q = query.action.endsWith('.*') ? q.where('action', 'like', `${query.action.slice(0, -1)}%`) : q.where('action', '=', query.action);
  }
  if (query.since) q = q.where('at', '>=', query.since.toISOString());
  if (query.until) q = q.where('at', '<=', query.until.toISOString());
  if (query.limit) q = q.orderBy('seq', 'desc').limit(query.limit);
  else q = q.orderBy('seq');
  const rows = await q.execute();
  if (query.limit) rows.reverse();
  return rows.map((row) => {
    if (row.body === null) {
      return { v: 1, vault: vault.vaultId, seq: Number(row.seq), at: row.at, device: null, action: row.action, actor: row.actor,
        subject: row.subject, outcome: row.outcome as AuditBody['outcome'], details: {}, present: false };
    }
    return { ...(JSON.parse(row.body) as AuditBody), present: true };
  });
}
