/** gmv audit log: entries filtered by actor, subject, action and time, oldest first. */
import type { Vault } from './vault.js';
import type { AuditEntry } from '../audit/entry.js';
import { auditPages, collect, type AuditLogQuery } from '../store/listings.js';

export type { AuditLogQuery };

/** The matching entries in one array (the report and its check read a few); the command streams them (fast/listings.ts). */
export async function listAudit(vault: Vault, query: AuditLogQuery): Promise<AuditEntry[]> {
  return vault.store.reader.snapshot(() => collect(auditPages(vault.store.reader, vault.vaultId, query)));
}
