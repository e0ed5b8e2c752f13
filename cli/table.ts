/** Human output of list and show commands: headings and labels come from the catalogue in the user's language. */
import { render, type Lang, type MessageKey } from '../src/i18n/catalogue.js';
import { alignedLine, columnWidth as width, escapeControls } from '../src/domain/terminal-text.js';

export type ColumnKey = Extract<MessageKey, `col.${string}`>;
export type FieldKey = Extract<MessageKey, `field.${string}`>;

/** Plain aligned columns under headings named by catalogue keys; cells hold stored data, so their control characters are shown escaped. */
export function renderTable(headers: ColumnKey[], raw: string[][], lang: Lang): string[] {
  const heads = headers.map((h) => render(h, {}, lang));
  const rows = raw.map((r) => r.map((c) => escapeControls(c ?? '')));
  const widths = heads.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  return [alignedLine(heads, widths), ...rows.map((r) => alignedLine(r, widths))];
}

/** Indented `label: value` lines of a show command. */
export function renderFields(fields: [FieldKey, string][], lang: Lang): string[] {
  return fields.map(([label, value]) => render('field.line', { label: render(label, {}, lang), value: escapeControls(value) }, lang));
}
