/** How every gmv command prints: JSON when asked, else lines; errors as a message and an exit code. */
import { GmvError } from '../errors.js';
import type { Lang } from '../i18n/catalogue.js';

export function printResult(json: boolean, value: unknown, human: () => string | string[]): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${([] as string[]).concat(human()).join('\n')}\n`);
}

export function printJsonError(code: string, message: string, exit: number): void {
  process.stdout.write(`${JSON.stringify({ error: { code, exit, message } }, null, 2)}\n`);
}

/** Print a coded error (on stdout too, as JSON, with --json) and return its exit code. */
export function printError(error: GmvError, lang: Lang, json: boolean): number {
  const message = error.localized(lang);
  if (json) printJsonError(error.code, message, error.exitCode);
  process.stderr.write(`${lang === 'zh-CN' ? '错误' : 'Error'}: ${message}\n`);
  return error.exitCode;
}
