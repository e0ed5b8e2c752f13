/**
 * How every gmv command prints: JSON when asked, else lines; errors as a message and an exit code.
 * Human text passes `escapeForTerminal` on its way out, so no control character reaches the
 * terminal raw even where a line was built from data by hand; JSON stays exact.
 */
import { GmvError } from '../errors.js';
import type { Lang } from '../i18n/catalogue.js';
import { alignedLine, columnWidth, escapeControls, escapeForTerminal, hasControlCharacters } from '../domain/terminal-text.js';

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
  // A page stringified as the whole object would be, cut out of its brackets: its items come out
  // indented as they stand in the full array, by the engine's own serializer.
  const open = `{\n  ${JSON.stringify(key)}: [`;
  const close = '\n  ]\n}';
  let empty = true;
  await writeOut(open);
  for await (const page of pages) {
    if (page.length === 0) continue;
    const text = JSON.stringify({ [key]: page }, null, 2);
    await writeOut(`${empty ? '' : ','}${text.slice(open.length, text.length - close.length)}`);
    empty = false;
  }
  await writeOut(empty ? ']\n}\n' : `${close}\n`);
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

/** Cell text a table keeps to print in one pass; a longer table is read a second time instead of held. */
const TABLE_BUFFER_CHARS = 4 * 1024 * 1024;

/**
 * An aligned table (cli/table.ts's layout) of the rows of `pages`, read in the caller's snapshot.
 * The widths need every row first: up to {@link TABLE_BUFFER_CHARS} of escaped cells are kept and
 * printed from memory; past that they are dropped and the rows read again to print, so a table of
 * 100,000 rows holds a page of them, not all.
 */
export async function printTable<T>(heads: string[], pages: () => AsyncIterable<T[]>, cells: (item: T) => string[]): Promise<void> {
  const widths = heads.map(columnWidth);
  const escaped = (item: T) => {
    const row = cells(item);
    // One test of the whole row, the common case holding no control character; each cell only if it does.
    if (hasControlCharacters(row.join(''))) for (let i = 0; i < row.length; i++) row[i] = escapeControls(row[i] ?? '');
    return row;
  };
  // A kept row is its cells joined by NUL, one string instead of an array and its cells: what the
  // garbage collector copies while the table is held. Escaped cells hold no NUL (it shows as \x00).
  let kept: string[] | null = [];
  let chars = 0;
  for await (const page of pages()) {
    for (const item of page) {
      const row = escaped(item);
      for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i] ?? 0, columnWidth(row[i]!));
      if (kept) {
        const joined = row.join('\0');
        kept.push(joined);
        chars += joined.length;
        if (chars > TABLE_BUFFER_CHARS) kept = null;
      }
    }
  }
  // The cells are escaped already, so their lines hold no control character: only the headings pass escapeForTerminal.
  const line = (row: string[]) => alignedLine(row, widths);
  await writeOut(`${escapeForTerminal(line(heads))}\n`);
  if (kept) {
    for (let i = 0; i < kept.length; i += 2000) await writeOut(`${kept.slice(i, i + 2000).map((joined) => line(joined.split('\0'))).join('\n')}\n`);
    return;
  }
  for await (const page of pages()) {
    if (page.length > 0) await writeOut(`${page.map((item) => line(escaped(item))).join('\n')}\n`);
  }
}
