/** Row types of the vault database, shared by SQLite and PostgreSQL (timestamps are ISO-8601 UTC text). */
import type { Generated } from 'kysely';

export interface MigrationsTable { version: number; name: string; applied_at: string }
export interface VaultMetaTable { key: string; value: string }
export interface OrgTable { id: number; name: string; created_at: string }
export interface OrgKeysTable {
  fingerprint: string;
  public_key: string;
  /** AES-256-GCM envelope (JSON) of the armored private key, under a data key wrapped in wraps. */
  private_envelope: string;
  created_at: string;
}
export interface PoliciesTable { id: Generated<number>; sha256: string; body: string; applied_at: string }
export interface UnitsTable { id: Generated<number>; name: string; created_at: string }
export interface PeopleTable {
  id: Generated<number>;
  login: string;
  name: string;
  unit_id: number;
  employer: string | null;
  /** JSON array of role ids. */
  roles: string;
  status: string;
  created_at: string;
  /** When an offboarding took effect (schema 13); null while they work here. */
  departed_at: Generated<string | null>;
  /** The state_seals row that signed this row's roles and status (schema 16); null: never sealed. */
  seal: Generated<number | null>;
}
export interface PersonKeysTable {
  fingerprint: string;
  person_id: number;
  public_key: string;
  created_at: string;
  retired_at: string | null;
  /** pending (enrolled, not yet approved), active, retired */
  status: Generated<string>;
  /** The organisation key's signature over personKeyRecordText (base64); null before schema 4. */
  certification: Generated<string | null>;
}
/** A person's private key, sealed for one device: argon2id(passphrase) combined with that device's secret. */
export interface PersonKeyLocksTable {
  id: Generated<number>;
  person_id: number;
  key_fingerprint: string;
  device_id: string;
  envelope: string;
  created_at: string;
}
export interface DevicesTable {
  id: string;
  person_id: number | null;
  label: string;
  signing_fingerprint: string;
  signing_public_key: string;
  /** Org-key signature (base64, OpenPGP binary detached) over the canonical device record. */
  certification: string;
  /** pending (enrolled), active (approved, certificate issued), revoked */
  status: string;
  created_at: string;
  revoked_at: string | null;
  rsa_public_key: string | null;
  csr: string | null;
  cert_pem: string | null;
  cert_serial: string | null;
  cert_not_after: string | null;
  /** SHA-256 of the enrollment code shown on the enrolling terminal; cleared at approval. */
  enroll_code_hash: string | null;
  approved_by: string | null;
  approved_at: string | null;
  revoke_reason: string | null;
}
/**
 * One data key wrapped for one recipient (a person's key, the organisation key's escrow, the
 * recovery key). A wrap that stops applying keeps its row with `revoked_at`: "what could this
 * person ever decrypt" is a query on this table (store/wraps.ts).
 */
export interface WrapsTable {
  id: Generated<number>;
  /** credential, rotation, org-key, device-ca, mfa-seed */
  item_kind: string;
  /** The account of a credential or rotation wrap; null for the others. */
  account_id: number | null;
  /** The org or CA key's fingerprint, the person's login (mfa-seed), a rotation's start time; '' for credentials. */
  item_ref: string;
  item_version: number;
  recipient: 'person' | 'org' | 'recovery';
  person_id: number | null;
  key_fingerprint: string;
  wrapped: string;
  created_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}
export interface AuditEntriesTable {
  seq: number;
  at: string;
  actor: string | null;
  action: string;
  subject: string | null;
  outcome: string;
  /** Canonical JSON of the entry (the Merkle leaf input); null once pruned. */
  body: string | null;
  leaf_hash: string;
}
export interface AuditTreeTable { id: number; size: number; frontier: string }
export interface AuditCheckpointsTable {
  id: Generated<number>;
  tree_size: number;
  root: string;
  at: string;
  body: string;
  signer_fingerprint: string;
  signature: string;
}

export interface DeviceCaTable { fingerprint: string; cert_pem: string; private_envelope: string; created_at: string }
export interface CrlsTable { crl_number: number; pem: string; this_update: string; next_update: string }
export interface LoginThrottleTable { person_id: number; failures: number; last_failure_at: string | null; locked_at: string | null }
export interface MfaTotpTable {
  person_id: number;
  status: string;
  algorithm: string;
  digits: number;
  period: number;
  /** AES-GCM envelope of the seed under a data key wrapped for the person (wraps item 'mfa-seed'). */
  seed_envelope: string;
  /** Last accepted time step: a code is accepted once. */
  last_step: number | null;
  created_at: string;
}
/** A person's key encrypted to a newly approved device's OpenPGP key, until that device's first login seals it. */
export interface KeyTransfersTable { device_id: string; person_id: number; key_fingerprint: string; ciphertext: string; created_at: string }
export interface RecoveryKeysTable { fingerprint: string; public_key: string; shares: number; threshold: number; created_at: string }

export interface AccountsTable {
  id: Generated<number>;
  slug: string;
  platform: string;
  name: string;
  unit_id: number;
  login_id: string | null;
  filing_number: string | null;
  filed_on: string | null;
  /** The government office the account is filed with (Art. 12, 35). */
  filing_office: string | null;
  /** Civil date a closure was announced publicly (Art. 14), and the first day it may close. */
  closure_announced_on: string | null;
  closure_not_before: string | null;
  /** active, archived */
  status: string;
  created_at: string;
  archived_at: string | null;
}
/** One version of an account's credential: AES-256-GCM under a fresh data key, wrapped per grantee in wraps. */
export interface CredentialVersionsTable {
  id: Generated<number>;
  account_id: number;
  version: number;
  envelope: string;
  /** argon2id hash of the password, to refuse reuse of recent passwords without keeping them. */
  password_hash: string | null;
  /** JSON list of the fields present (password, totp, recovery, login, …) and the recovery-code count; no values. */
  fields: string;
  reason: string;
  created_by: string;
  created_at: string;
}
export interface GrantsTable {
  id: Generated<number>;
  person_id: number;
  account_id: number;
  /** JSON array of reveal, otp, manage */
  can: string;
  until: string | null;
  granted_by: string;
  granted_at: string;
  removed_by: string | null;
  removed_at: string | null;
  /** The state_seals row that signed this grant (schema 16); null: never sealed. */
  seal: Generated<number | null>;
}
export interface StateSealsTable {
  id: Generated<number>;
  body: string;
  signer_fingerprint: string;
  signature: string;
  created_at: string;
}
export interface RotationsTable {
  account_id: number;
  reason: string;
  started_by: string;
  started_by_person: number;
  started_at: string;
  /** The generated password, sealed; its data key wrapped for the person who started it (wraps, item 'rotation'). */
  envelope: string;
}
export interface RotationQueueTable {
  id: Generated<number>;
  account_id: number;
  reason: string;
  detail: string | null;
  due_on: string;
  created_at: string;
  done_at: string | null;
  /** JSON list of the fields to rotate (password, totp, recovery), for a departure; null: the whole credential. */
  fields: Generated<string | null>;
  /** The person whose departure queued it. */
  person_id: Generated<number | null>;
}
export interface RecoveryCodeUsesTable { account_id: number; version: number; code_index: number; used_by: string; used_at: string }
export interface BindingsTable {
  id: Generated<number>;
  account_id: number;
  person_id: number | null;
  external_name: string | null;
  role: string;
  bound_on: string;
  expires_on: string | null;
  created_by: string;
  removed_at: string | null;
  removed_by: string | null;
}
/** A working-day calendar file an officer imported: the latest row of a year is in force. */
export interface CalendarsTable {
  id: Generated<number>;
  year: number;
  /** The file's text, exactly as imported. */
  content: string;
  sha256: string;
  /** Login of the security officer who imported it. */
  imported_by: string;
  imported_at: string;
}

/** A checklist run: its template, who started it, and once signed the record and both signatures. */
export interface ChecklistRunsTable {
  id: Generated<number>;
  run_id: string;
  template: string;
  account_id: number | null;
  trigger: string | null;
  started_by: string;
  started_at: string;
  deadline: string | null;
  /** open, signed, countersigned */
  status: string;
  /** The canonical RunRecord bytes both people signed (domain/checklist-record.ts). */
  record: string | null;
  performer: string | null;
  performer_fingerprint: string | null;
  /** Base64 OpenPGP detached binary signatures over `record`. */
  performer_sig: string | null;
  signed_at: string | null;
  countersigner: string | null;
  countersigner_fingerprint: string | null;
  countersigner_sig: string | null;
  countersigned_at: string | null;
}
/** A step's status as recorded; the latest row of a step is its state. `evidence` is JSON [{name, sha256, size}]. */
export interface ChecklistStepsTable {
  id: Generated<number>;
  run_pk: number;
  step_id: string;
  status: string;
  note: string | null;
  evidence: string;
  by: string;
  at: string;
}

/** A signed staff record: a course, an NDA, an onboarding or an offboarding (domain/staff-record.ts). */
export interface StaffRecordsTable {
  id: Generated<number>;
  person_id: number;
  kind: string;
  course: string;
  on_date: string;
  lapses_on: string | null;
  /** The canonical record bytes the officer signed. */
  record: string;
  signer_fingerprint: string;
  /** Base64 OpenPGP detached binary signature over `record`. */
  signature: string;
  recorded_by: string;
  recorded_at: string;
}

/** A suspected counterfeit account (Art. 29) and the checklist run that handles it. `evidence` is JSON [{name, sha256, size}]. */
export interface ImpersonationCasesTable {
  id: Generated<number>;
  case_no: string;
  platform: string;
  url: string | null;
  handle: string | null;
  account_id: number | null;
  note: string | null;
  evidence: string;
  reported_by: string;
  reported_at: string;
  run_id: string | null;
  /** When its run was completed (signed, and countersigned where the template asks). */
  closed_at: string | null;
}

/** The statement that hands the organisation from one key and device CA to the next (gmv org rekey). */
export interface OrgTransitionsTable {
  id: Generated<number>;
  from_org: string;
  to_org: string;
  body: string;
  from_signature: string;
  to_signature: string;
  ca_signature: string;
  created_at: string;
}

export interface DB {
  gmv_migrations: MigrationsTable;
  vault_meta: VaultMetaTable;
  org: OrgTable;
  org_keys: OrgKeysTable;
  policies: PoliciesTable;
  units: UnitsTable;
  people: PeopleTable;
  person_keys: PersonKeysTable;
  person_key_locks: PersonKeyLocksTable;
  devices: DevicesTable;
  wraps: WrapsTable;
  audit_entries: AuditEntriesTable;
  audit_tree: AuditTreeTable;
  audit_checkpoints: AuditCheckpointsTable;
  device_ca: DeviceCaTable;
  crls: CrlsTable;
  login_throttle: LoginThrottleTable;
  mfa_totp: MfaTotpTable;
  key_transfers: KeyTransfersTable;
  accounts: AccountsTable;
  credential_versions: CredentialVersionsTable;
  grants: GrantsTable;
  rotations: RotationsTable;
  rotation_queue: RotationQueueTable;
  recovery_code_uses: RecoveryCodeUsesTable;
  bindings: BindingsTable;
  recovery_keys: RecoveryKeysTable;
  calendars: CalendarsTable;
  checklist_runs: ChecklistRunsTable;
  checklist_steps: ChecklistStepsTable;
  staff_records: StaffRecordsTable;
  impersonation_cases: ImpersonationCasesTable;
  org_transitions: OrgTransitionsTable;
  state_seals: StateSealsTable;
}
