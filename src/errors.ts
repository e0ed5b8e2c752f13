/**
 * Coded errors and the exit-code table. Every failure a user can meet is a GmvError with a stable
 * code; the CLI maps the code to an exit status once (cli/base-command.ts) and renders the message
 * from the catalogue in the user's language. docs/exit-codes.md documents the same table.
 */
import { render, type MessageKey, type Lang } from './i18n/catalogue.js';

/** Stable process exit statuses. Never renumber: scripts depend on them. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  denied: 4,
  authentication: 5,
  integrity: 6,
  busy: 7,
  storeUnavailable: 8,
  conflict: 9,
  incompatible: 10,
  invalidInput: 11,
  calendarUnknown: 12,
  /** The person pressed Ctrl+C: nothing was written (128 + SIGINT, as shells report it). */
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const CODES = {
  USAGE: ExitCode.usage,
  TTY_REQUIRED: ExitCode.usage,
  VAULT_NOT_FOUND: ExitCode.notFound,
  VAULT_EXISTS: ExitCode.conflict,
  VAULT_CORRUPT: ExitCode.integrity,
  VAULT_REPLACED: ExitCode.integrity,
  VAULT_UNREADABLE: ExitCode.storeUnavailable,
  VAULT_NOT_INITIALIZED: ExitCode.notFound,
  STORE_UNAVAILABLE: ExitCode.storeUnavailable,
  STORE_BUSY: ExitCode.busy,
  SCHEMA_TOO_NEW: ExitCode.incompatible,
  FILE_NOT_FOUND: ExitCode.notFound,
  FILE_UNREADABLE: ExitCode.storeUnavailable,
  OUTPUT_EXISTS: ExitCode.conflict,
  OUTPUT_DIR_MISSING: ExitCode.notFound,
  OUTPUT_UNWRITABLE: ExitCode.storeUnavailable,
  INVALID_INPUT: ExitCode.invalidInput,
  INPUT_TOO_LARGE: ExitCode.invalidInput,
  INPUT_NOT_UTF8: ExitCode.invalidInput,
  PASSPHRASE_EMPTY: ExitCode.invalidInput,
  PASSPHRASE_WEAK: ExitCode.invalidInput,
  POLICY_INVALID: ExitCode.invalidInput,
  PERSON_NOT_FOUND: ExitCode.notFound,
  PERSON_EXISTS: ExitCode.conflict,
  PERSON_DEPARTED: ExitCode.conflict,
  AUTH_FAILED: ExitCode.authentication,
  AUTH_LOCKED: ExitCode.authentication,
  AUTH_THROTTLED: ExitCode.authentication,
  TOTP_INVALID: ExitCode.authentication,
  TOTP_REQUIRED: ExitCode.authentication,
  SESSION_REQUIRED: ExitCode.authentication,
  DEVICE_NOT_AUTHORIZED: ExitCode.authentication,
  DEVICE_NOT_FOUND: ExitCode.notFound,
  DEVICE_CODE_UNKNOWN: ExitCode.notFound,
  DEVICE_NOT_PENDING: ExitCode.conflict,
  DEVICE_STILL_ACTIVE: ExitCode.conflict,
  DEVICE_CODE_LOST: ExitCode.notFound,
  DEVICE_PENDING_SEVERAL: ExitCode.usage,
  DEVICE_NOT_HERE: ExitCode.authentication,
  DEVICE_ALREADY_ENROLLED: ExitCode.conflict,
  UNIT_NOT_FOUND: ExitCode.notFound,
  UNIT_EXISTS: ExitCode.conflict,
  RECOVERY_KEY_INVALID: ExitCode.authentication,
  CA_PIN_MISMATCH: ExitCode.integrity,
  CREDENTIAL_TAMPERED: ExitCode.integrity,
  CREDENTIAL_ROLLBACK: ExitCode.integrity,
  STATE_MISMATCH: ExitCode.integrity,
  STATE_SEAL_INVALID: ExitCode.integrity,
  ESCROW_MISSING: ExitCode.integrity,
  DENIED_STATUS: ExitCode.denied,
  DENIED_GRANT: ExitCode.denied,
  DENIED_GRANT_EXPIRED: ExitCode.denied,
  DENIED_CAPABILITY: ExitCode.denied,
  DENIED_ACCOUNT_STATUS: ExitCode.denied,
  NO_WRAP: ExitCode.denied,
  NO_KEY_WRAP: ExitCode.denied,
  ROTATION_NOT_YOURS: ExitCode.denied,
  ACCOUNT_NOT_FOUND: ExitCode.notFound,
  ACCOUNT_AMBIGUOUS: ExitCode.invalidInput,
  ACCOUNT_EXISTS: ExitCode.conflict,
  FIELD_EMPTY: ExitCode.notFound,
  PASSWORD_REUSED: ExitCode.invalidInput,
  ROTATION_PENDING: ExitCode.conflict,
  ROTATION_NONE: ExitCode.notFound,
  RECOVERY_CODES_EXHAUSTED: ExitCode.notFound,
  DEVICE_KEY_MISSING: ExitCode.authentication,
  DEVICE_KEY_MISMATCH: ExitCode.authentication,
  DENIED_ROLE: ExitCode.denied,
  DENIED_RETENTION: ExitCode.denied,
  AUDIT_TAMPERED: ExitCode.integrity,
  CHECKPOINT_INVALID: ExitCode.integrity,
  CHECKPOINT_INCONSISTENT: ExitCode.integrity,
  AUDIT_UNCOVERED_TAIL: ExitCode.integrity,
  AUDIT_ROLLED_BACK: ExitCode.integrity,
  WITNESS_DISAGREES: ExitCode.integrity,
  CHECKPOINT_FOREIGN: ExitCode.invalidInput,
  STORE_FULL: ExitCode.storeUnavailable,
  SCHEMA_OUTDATED: ExitCode.incompatible,
  SCHEMA_MISMATCH: ExitCode.integrity,
  KDF_PARAMS_INVALID: ExitCode.integrity,
  SEALED_DATA_TAMPERED: ExitCode.integrity,
  DEVICE_CA_INVALID: ExitCode.integrity,
  DEVICE_SIGNING_KEY_TAMPERED: ExitCode.integrity,
  AUDIT_TREE_CORRUPT: ExitCode.integrity,
  GRANT_DUPLICATE: ExitCode.integrity,
  CAPABILITY_UNKNOWN: ExitCode.usage,
  CALENDAR_INVALID: ExitCode.invalidInput,
  CLOSURE_NOT_ANNOUNCED: ExitCode.denied,
  CHECKLIST_TEMPLATE_UNKNOWN: ExitCode.notFound,
  CHECKLIST_RUN_NOT_FOUND: ExitCode.notFound,
  CHECKLIST_STEP_UNKNOWN: ExitCode.notFound,
  CHECKLIST_NOTE_REQUIRED: ExitCode.invalidInput,
  CHECKLIST_EVIDENCE_REQUIRED: ExitCode.invalidInput,
  CHECKLIST_INCOMPLETE: ExitCode.invalidInput,
  CHECKLIST_RUN_SIGNED: ExitCode.conflict,
  CHECKLIST_NOT_SIGNED: ExitCode.conflict,
  DENIED_SELF_COUNTERSIGN: ExitCode.denied,
  DENIED_TRAINING: ExitCode.denied,
  DENIED_TRAINING_EXPIRED: ExitCode.denied,
  DENIED_NDA: ExitCode.denied,
  DENIED_NDA_EXPIRED: ExitCode.denied,
  COURSE_UNKNOWN: ExitCode.notFound,
  RECORD_INVALID: ExitCode.integrity,
  BACKUP_INVALID: ExitCode.integrity,
  BACKUP_ROLLBACK: ExitCode.integrity,
  BACKUP_NOT_RECIPIENT: ExitCode.authentication,
  RESTORE_TARGET_EXISTS: ExitCode.conflict,
  BACKUP_NONE: ExitCode.notFound,
  REPORT_INVALID: ExitCode.integrity,
  CLOSURE_TOO_EARLY: ExitCode.denied,
  CALENDAR_UNKNOWN: ExitCode.calendarUnknown,
  IMPERSONATION_CASE_NOT_FOUND: ExitCode.notFound,
  CANCELLED: ExitCode.cancelled,
  INTERNAL: ExitCode.internal,
} as const satisfies Record<string, ExitCode>;

export type ErrorCode = keyof typeof CODES;
export type ErrorParams = Record<string, string | number>;

/** The one error type services throw. `params` must never hold a secret: they are printed. */
export class GmvError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(render(`error.${code}` as MessageKey, params, 'en'), options);
    this.name = 'GmvError';
    this.code = code;
    this.params = params;
  }

  get exitCode(): ExitCode {
    return CODES[this.code];
  }

  /** The message in the user's language. */
  localized(lang: Lang): string {
    return render(`error.${this.code}` as MessageKey, this.params, lang);
  }
}

/** Exit code of an error code, for docs and tests. */
export function exitCodeOf(code: ErrorCode): ExitCode {
  return CODES[code];
}

export const ERROR_CODES = Object.keys(CODES) as ErrorCode[];
