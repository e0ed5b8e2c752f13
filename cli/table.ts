import { escapeControls } from '../src/domain/terminal-text.js';

/**
 * Plain aligned columns for human output (CJK characters count double, as terminals draw them).
 * Cells hold stored data, so their control characters are shown escaped.
 */
export function renderTable(headers: string[], rows: string[][]): string[] {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1), 0);
  const cells = [headers, ...rows].map((r) => r.map((c) => escapeControls(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)))).join('  ').trimEnd();
  return cells.map(line);
}
