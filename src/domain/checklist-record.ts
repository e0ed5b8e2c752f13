/**
 * The signed record of a checklist run: what the performer and the countersigner sign, and what an
 * auditor verifies offline. Both people sign the same bytes — `canonicalBytes(record)` — with
 * OpenPGP detached binary signatures by their person keys, so `gpg --verify run.performer.sig
 * run.json` holds for each of them. The countersigner is named by the signature's issuer key and by
 * the countersign audit entry; the record itself is fixed once the performer signs it.
 */
import { canonicalBytes } from './canonical.js';

/** Format tag of the record; a verifier refuses any other. */
export const RUN_RECORD_FORMAT = 'gmv-checklist-run/1';

export interface RecordText {
  zh: string;
  en: string;
}

export interface RecordEvidence {
  /** File name as given (base name only). */
  name: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  size: number;
}

export interface RecordStep {
  id: string;
  title: RecordText;
  status: 'done' | 'failed' | 'na';
  /** Required when the status is failed or na. */
  note: string | null;
  evidence: RecordEvidence[];
  /** Login of the person who recorded the step's status. */
  by: string;
  /** ISO 8601 UTC instant the status was recorded. */
  at: string;
}

export interface RunRecord {
  format: typeof RUN_RECORD_FORMAT;
  /** The vault id: a record is signed for one vault (the session agent signs records of its own only). */
  vault: string;
  run: {
    /** The run's id as users type it (`gmv checklist show ID`). */
    id: string;
    template: string;
    title: RecordText;
    /** Article the template comes from. */
    cite: RecordText;
    /** Account slug the run is about, if any. */
    account: string | null;
    /** Trigger event that opened it (offboarding, impersonation-report…), or null for a cadence run. */
    trigger: string | null;
    startedBy: string;
    startedAt: string;
    /** Civil date (Asia/Shanghai) the run is due by, counted in working days; null if none. */
    deadline: string | null;
  };
  /** The policy pack in force when the performer signed. */
  policy: { pack: string; sha256: string };
  steps: RecordStep[];
  performer: { login: string; fingerprint: string; signedAt: string };
  /** Whether a second person must countersign, and which roles may. */
  countersign: { required: boolean; roles: string[] };
  /**
   * `seq` of the audit entries that recorded the run before the performer signed (its start and
   * each step), in order. The sign and countersign entries come after; an export proves all of them.
   */
  auditEntries: number[];
}

/** The bytes both signatures are over. */
export function runRecordBytes(record: RunRecord): Buffer {
  return canonicalBytes(record);
}

/** Whether `data` is, byte for byte, the canonical record of a run of `vault` (what a session agent may sign). */
export function isRunRecordOf(data: Uint8Array, vault: string): boolean {
  let value: unknown;
  const text = Buffer.from(data).toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const r = value as Partial<RunRecord>;
  return r?.format === RUN_RECORD_FORMAT && r.vault === vault && Buffer.from(text, 'utf8').equals(Buffer.from(data)) && canonicalBytes(r).equals(Buffer.from(data));
}
