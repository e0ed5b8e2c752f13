/**
 * How every gmv command prints: JSON when asked, else lines; errors as a message and an exit code.
 * Human text passes `escapeForTerminal` on its way out, so no control character reaches the
 * terminal raw even where a line was built from data by hand; JSON stays exact.
 */
import { GmvError } from '../errors.js';
import type { Lang } from '../i18n/catalogue.js';
import { columnWidth, escapeControls, escapeForTerminal } from '../domain/terminal-text.js';

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

/** The reader of stdout went away (`gmv audit log | head`): the listing stops, quietly, with exit 0. */
export class OutputClosed extends Error {}

let failure: Error | null = null;
let wake: (() => void) | null = null;
let watching = false;

function failed(error: Error): Error {
  return (error as NodeJS.ErrnoException).code === 'EPIPE' ? new OutputClosed('stdout closed', { cause: error }) : error;
}

/** Write to stdout, waiting while a pipe is full so a long listing is not buffered whole in memory. */
export async function writeOut(text: string): Promise<void> {
  if (!watching) {
    watching = true;
    // A failed write is reported after it returned: the next write (or the wait for room) sees it.
    process.stdout.on('error', (error) => {
      failure = error;
      wake?.();
    });
  }
  if (failure) throw failed(failure);
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      process.stdout.once('drain', resolve);
    });
    wake = null;
  }
  if (failure) throw failed(failure);
}

/**
 * `{ "key": [items] }` written a page at a time, byte for byte what {@link printResult} prints for
 * the whole object (JSON.stringify with two-space indent): each item is indented one level more.
 */
export async function printJsonList<T>(key: string, pages: AsyncIterable<T[]>): Promise<void> {
  let empty = true;
  await writeOut(`{\n  ${JSON.stringify(key)}: [`);
  for await (const page of pages) {
    let chunk = '';
    for (const item of page) {
      chunk += `${empty ? '' : ','}\n    ${JSON.stringify(item, null, 2).replaceAll('\n', '\n    ')}`;
      empty = false;
    }
    await writeOut(chunk);
  }
  await writeOut(empty ? ']\n}\n' : '\n  ]\n}\n');
}

/** Human lines written a page at a time (each escaped as {@link printResult} escapes); `none` when there were none. */
export async function printLines<T>(pages: AsyncIterable<T[]>, line: (item: T) => string, none: string): Promise<void> {
  let empty = true;
  for await (const page of pages) {
    if (page.length === 0) continue;
    empty = false;
    await writeOut(`${escapeForTerminal(page.map(line).join('\n'))}\n`);
  }
  if (empty) await writeOut(`${escapeForTerminal(none)}\n`);
}

/**
 * An aligned table (cli/table.ts's layout) of rows read twice from `pages` in the caller's snapshot:
 * once for the column widths, once to print, so no more than a page of rows is held.
 */
export async function printTable<T>(heads: string[], pages: () => AsyncIterable<T[]>, cells: (item: T) => string[]): Promise<void> {
  const widths = heads.map(columnWidth);
  for await (const page of pages()) {
    for (const item of page) cells(item).forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, columnWidth(escapeControls(c ?? ''))); });
  }
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - columnWidth(c)))).join('  ').trimEnd();
  await writeOut(`${escapeForTerminal(line(heads))}\n`);
  for await (const page of pages()) {
    if (page.length > 0) await writeOut(`${escapeForTerminal(page.map((item) => line(cells(item).map((c) => escapeControls(c ?? '')))).join('\n'))}\n`);
  }
}
