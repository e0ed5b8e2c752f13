/**
 * How every gmv command prints: JSON when asked, else lines; errors as a message and an exit code.
 * Human text passes `escapeForTerminal` on its way out, so no control character reaches the
 * terminal raw even where a line was built from data by hand; JSON stays exact.
 */
import { GmvError } from '../errors.js';
import type { Lang } from '../i18n/catalogue.js';
import { escapeForTerminal } from '../domain/terminal-text.js';

export function printResult(json: boolean, value: unknown, human: () => string | string[]): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${escapeForTerminal(([] as string[]).concat(human()).join('\n'))}\n`);
}

/** A line for a person on standard error (notes, warnings, error messages). */
export function printNote(line: string): void {
  process.stderr.write(`${escapeForTerminal(line)}\n`);
}

export function printJsonError(code: string, message: string, exit: number): void {
  process.stdout.write(`${JSON.stringify({ error: { code, exit, message } }, null, 2)}\n`);
}

/** Print a coded error (on stdout too, as JSON, with --json) and return its exit code. */
export function printError(error: GmvError, lang: Lang, json: boolean): number {
  const message = error.localized(lang);
  if (json) printJsonError(error.code, message, error.exitCode);
  printNote(`${lang === 'zh-CN' ? '错误' : 'Error'}: ${message}`);
  return error.exitCode;
}
