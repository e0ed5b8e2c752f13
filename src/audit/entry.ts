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
  orgRekey: 'org.rekey',
  authFailed: 'auth.failed',
  deviceRevoke: 'device.revoke',
  recoveryUse: 'recovery.use',
  personKeyRetire: 'person.key.retire',
  policyApply: 'policy.apply',
} as const;

const ACTION_KEY = '{"action":"';

/**
 * The action a canonical body records, read from its first key without parsing the body: what
 * `body.startsWith('{"action":"NAME",')` tests, for every name at once ('' when the body does not
 * start that way). A name holding an escaped quote comes back cut at it, so it never equals a name
 * gmv writes: those hold no quote or backslash.
 */
export function actionOf(body: string): string {
  if (!body.startsWith(ACTION_KEY)) return '';
  const end = body.indexOf('"', ACTION_KEY.length);
  return end > 0 && body.charCodeAt(end + 1) === 0x2c ? body.slice(ACTION_KEY.length, end) : '';
}
