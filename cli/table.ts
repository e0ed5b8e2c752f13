/** Human output of list and show commands: headings and labels come from the catalogue in the user's language. */
import { render, type Lang, type MessageKey } from '../src/i18n/catalogue.js';
import { escapeControls } from '../src/domain/terminal-text.js';

export type ColumnKey = Extract<MessageKey, `col.${string}`>;
export type FieldKey = Extract<MessageKey, `field.${string}`>;

const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/;
/** Columns a terminal draws the text in (CJK characters and full-width punctuation count double). */
const width = (s: string) => [...s].reduce((w, ch) => w + (WIDE.test(ch) ? 2 : 1), 0);

/** Plain aligned columns under headings named by catalogue keys; cells hold stored data, so their control characters are shown escaped. */
export function renderTable(headers: ColumnKey[], raw: string[][], lang: Lang): string[] {
  const heads = headers.map((h) => render(h, {}, lang));
  const rows = raw.map((r) => r.map((c) => escapeControls(c ?? '')));
  const widths = heads.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)))).join('  ').trimEnd();
  return [line(heads), ...rows.map(line)];
}

/** Indented `label: value` lines of a show command. */
export function renderFields(fields: [FieldKey, string][], lang: Lang): string[] {
  return fields.map(([label, value]) => render('field.line', { label: render(label, {}, lang), value: escapeControls(value) }, lang));
}
