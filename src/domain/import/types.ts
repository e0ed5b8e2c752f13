/** What every importer produces: normalized items plus per-row problems, for an all-or-nothing import. */
import type { ErrorParams } from '../../errors.js';
import type { MessageKey } from '../../i18n/catalogue.js';
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
 * What is wrong with one row: `reason` is a catalogue key (detail.importRow*), rendered with
 * `params` in the reader's language. A reason names the field and the problem, never a value from the row.
 */
export interface RowProblem {
  line: number;
  reason: MessageKey;
  params?: ErrorParams;
}

/**
 * The outcome of reading one export. The caller imports `items` only when `errors` is empty (or the
 * user accepts the listed rows being left out): nothing is written row by row.
 */
export interface ImportReport {
  items: ImportedItem[];
  errors: RowProblem[];
}
