/** What every importer produces: normalized items plus per-row problems, for an all-or-nothing import. */
import type { TotpSeed } from '../otpauth.js';

/** One credential read from an export, normalized; `line` is where it came from, for messages. */
export interface ImportedItem {
  /** 1-based physical line of the CSV record, of the URI in a list, or index in a JSON export's items. */
  line: number;
  name: string;
  loginId?: string;
  password?: string;
  totp?: TotpSeed;
  notes?: string;
  uri?: string;
}

/**
 * The outcome of reading one export. The caller imports `items` only when `errors` is empty (or the
 * user accepts the listed rows being left out): nothing is written row by row. A reason names the
 * field and the problem, never a value from the row.
 */
export interface ImportReport {
  items: ImportedItem[];
  errors: { line: number; reason: string }[];
}
