/** Importers for what users have today (Bitwarden, KeePassXC, otpauth lists), one entry point per format. */
import { parseBitwardenCsv, parseBitwardenJson } from './bitwarden.js';
import { parseKeepassxcCsv } from './keepassxc.js';
import { parseOtpauthList } from './otpauth-list.js';
import type { ImportReport } from './types.js';

export type { ImportedItem, ImportReport, RowProblem } from './types.js';
export { readCsv, type CsvRecord } from './csv.js';
export { parseBitwardenCsv, parseBitwardenJson, parseKeepassxcCsv, parseOtpauthList };

/** The formats `gmv` can import, as a CLI flag would name them. */
export const IMPORT_FORMATS = ['bitwarden-json', 'bitwarden-csv', 'keepassxc-csv', 'otpauth'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

const PARSERS: Readonly<Record<ImportFormat, (text: string) => ImportReport>> = {
  'bitwarden-json': parseBitwardenJson,
  'bitwarden-csv': parseBitwardenCsv,
  'keepassxc-csv': parseKeepassxcCsv,
  otpauth: parseOtpauthList,
};

/** Dispatch by format name, so a command needs one call whatever the user exported from. */
export function parseImport(format: ImportFormat, text: string): ImportReport {
  return PARSERS[format](text);
}
