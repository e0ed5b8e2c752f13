/** How an oclif-free path ends on an error, as the full CLI's catch does (cli/base-command.ts). */
import { GmvError } from '../errors.js';
import type { Lang } from '../i18n/catalogue.js';
import { translateStoreError } from '../store/driver.js';
import { OutputClosed, printError } from './output.js';

/** Print `error` as its code (a driver error translated for `location`, anything else INTERNAL) and return the exit code; a closed stdout is exit 0. */
export function failed(error: unknown, location: string, lang: Lang, json: boolean): number {
  if (error instanceof OutputClosed) return 0;
  const store = error instanceof GmvError ? error : translateStoreError(error, location);
  const coded = store instanceof GmvError ? store : new GmvError('INTERNAL', { detail: error instanceof Error ? error.message : String(error) }, { cause: error });
  return printError(coded, lang, json);
}
