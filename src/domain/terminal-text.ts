/**
 * Text for a terminal: stored names, handles and log fields may hold escape sequences (written by
 * someone with database access, or by an older gmv), and a terminal obeys them. Human output shows
 * such characters as visible escapes instead; --json keeps exact values (JSON escapes controls).
 */

/**
 * What a terminal must not receive raw: C0 controls, DEL, C1 controls (U+0080–U+009F, CSI among
 * them), format characters (bidi overrides and isolates, zero-width characters, BOM) and the
 * Unicode line and paragraph separators.
 */
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const CONTROL_ONE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** The same, except newline and tab, which lay out a block of output and cannot overwrite what is shown. */
const CONTROL_BUT_LAYOUT = /(?![\n\t])[\p{Cc}\p{Cf}\u2028\u2029]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** True when `text` holds a character a terminal would obey rather than show. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_ONE.test(text);
}

/** One value shown inside a line of human output: every control character escaped, newlines included. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/** A whole block of human output: every control character escaped except newlines and tabs. */
export function escapeForTerminal(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, escapeOne);
}

/**
 * A tagged template for human lines built from data: each interpolated value is escaped with
 * `escapeControls`, the literal parts are kept.
 */
export function shown(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, part, i) => out + part + (i < values.length ? escapeControls(String(values[i])) : ''), '');
}

const NARROW = /^[\u0000-\u10FF]*$/;
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/;

/** Runs of spaces by length: a table pads its cells to a few widths, thousands of times. */
const SPACES: string[] = [];
const spaces = (n: number): string => (SPACES[n] ??= ' '.repeat(Math.max(0, n)));

/** One row of an aligned table: each cell but the last padded to its column's width, two spaces between. */
export function alignedLine(cells: readonly string[], widths: readonly number[]): string {
  const last = cells.length - 1;
  if (last < 0) return '';
  let line = '';
  for (let i = 0; i < last; i++) line += `${cells[i]!}${spaces(widths[i]! - columnWidth(cells[i]!))}  `;
  return `${line}${cells[last]!}`.trimEnd();
}

/** Columns a terminal draws the text in (CJK characters and full-width punctuation count double). */
export function columnWidth(text: string): number {
  // Below U+1100 nothing is wide and every character is one UTF-16 unit: the common case, counted at once.
  if (NARROW.test(text)) return text.length;
  let w = 0;
  for (const ch of text) w += WIDE.test(ch) ? 2 : 1;
  return w;
}
