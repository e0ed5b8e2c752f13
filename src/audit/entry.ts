/** Audit entries: what each one records and the canonical body that becomes its Merkle leaf. */
import type { Canonical } from '../domain/canonical.js';

export type Outcome = 'ok' | 'denied' | 'failed';

/** What a service asks to record. Never put a secret value in `details`: use an HMAC. */
export interface AuditDraft {
  action: string;
  actor: string | null;
  subject: string | null;
  outcome: Outcome;
  details?: Record<string, Canonical>;
}

/** The signed content of one entry; its canonical JSON is the leaf input. */
export interface AuditBody {
  v: 1;
  vault: string;
  seq: number;
  at: string;
  device: string | null;
  action: string;
  actor: string | null;
  subject: string | null;
  outcome: Outcome;
  details: Record<string, Canonical>;
}

export interface AuditEntry extends AuditBody {
  /** False once the entry was pruned: only its leaf hash remains. */
  present: boolean;
}

/** Six months, as the Cybersecurity Law asks for network logs (art. 21): no policy may keep entries for less. */
export const MIN_RETENTION_DAYS = 183;

/** Actions recorded by this version of gmv (the log also accepts newer names from newer versions). */
export const Actions = {
  vaultInit: 'vault.init',
  auditPrune: 'audit.prune',
  checkpointExport: 'audit.checkpoint.export',
  orgKeyExport: 'org.key.export',
  authFailed: 'auth.failed',
  deviceRevoke: 'device.revoke',
  recoveryUse: 'recovery.use',
  personKeyRetire: 'person.key.retire',
  policyApply: 'policy.apply',
} as const;
