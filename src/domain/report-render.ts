/**
 * The compliance report as a file: JSON (the data as it is), Markdown for a terminal, and one
 * self-contained HTML page (no scripts, no fonts, no images but inline SVG; its Content-Security-Policy
 * forbids every load, so a page that tried one would say so in the browser's console).
 */
import { render, type Lang, type MessageKey } from '../i18n/catalogue.js';
import { formatChinaTime } from './dates.js';
import { escapeControls } from './terminal-text.js';
import { citeKey, reportPrefix, type ArticleRow, type Cite, type Finding, type ReportData } from './report.js';

export type ReportFormat = 'md' | 'html' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'json'];

/** `fileName`: the report's own name, for the how-to-check lines (its signature is `fileName.sig`). */
export function renderReport(data: ReportData, format: ReportFormat, fileName = 'FILE'): string {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  return format === 'md' ? renderMarkdown(data, fileName) : renderHtml(data, fileName);
}

const citeText = (cite: Cite, lang: Lang) => (lang === 'zh-CN' ? cite.zh : cite.en);

/** Findings grouped: units in the data's order (then the whole vault), articles in the summary's order. */
function groups(data: ReportData): { unit: string | null; articles: { cite: Cite; findings: Finding[] }[] }[] {
  const order = new Map(data.articles.map((a, i) => [citeKey(a.cite), i]));
  const units: (string | null)[] = [...data.units.map((u) => u.unit), null];
  return units.map((unit) => {
    const mine = data.findings.filter((f) => f.unit === unit);
    const byCite = new Map<string, { cite: Cite; findings: Finding[] }>();
    for (const f of mine) {
      const key = citeKey(f.cite);
      if (!byCite.has(key)) byCite.set(key, { cite: data.articles.find((a) => citeKey(a.cite) === key)?.cite ?? f.cite, findings: [] });
      byCite.get(key)!.findings.push(f);
    }
    const articles = [...byCite.values()].sort((a, b) => (order.get(citeKey(a.cite)) ?? 0) - (order.get(citeKey(b.cite)) ?? 0));
    for (const a of articles) a.findings.sort((x, y) => (x.level === y.level ? 0 : x.level === 'breach' ? -1 : 1));
    return { unit, articles };
  });
}

function header(data: ReportData): { title: string; meta: string[] } {
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => render(key, params, data.lang);
  return {
    title: t('report.title', { scope: data.unit ?? t('report.allUnits') }),
    meta: [
      t('report.meta.asOf', { day: data.asOf, at: formatChinaTime(new Date(data.generatedAt)) }),
      t('report.meta.policy', { name: data.policy.name, title: citeText(data.policy.title, data.lang) }),
      t('report.meta.signed', { login: data.signedBy.login, fingerprint: data.signedBy.fingerprint }),
      t('report.meta.vault', { vault: data.vault }),
    ],
  };
}

function statusLabel(row: Pick<ArticleRow, 'status'>, lang: Lang): string {
  return render(`report.status.${row.status}` as MessageKey, {}, lang);
}

function levelLabel(f: Finding, lang: Lang): string {
  return render(f.level === 'breach' ? 'report.level.breach' : 'report.level.warning', {}, lang);
}

function auditLines(data: ReportData): string[] {
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => render(key, params, data.lang);
  const a = data.audit;
  const lines = [a.verified
    ? t('report.audit.ok', { entries: a.entries ?? 0, checkpoints: a.checkpoints ?? 0, root: a.root ?? '' })
    : t('report.audit.failed', { message: a.error?.message ?? '' })];
  if (a.latestCheckpoint) {
    lines.push(t('report.audit.latest', { size: a.latestCheckpoint.size, at: formatChinaTime(new Date(a.latestCheckpoint.at)), signer: a.latestCheckpoint.signer ?? a.latestCheckpoint.signerFingerprint, root: a.latestCheckpoint.root }));
  } else lines.push(t('report.audit.noCheckpoint'));
  return lines;
}

/** A Markdown table cell: one line, no column breaks. */
const cell = (text: string) => escapeControls(text).replace(/\|/g, '\\|');

/** Markdown that reads as plain text in a terminal: short lines, findings as lists, one summary table. */
export function renderMarkdown(data: ReportData, fileName = 'FILE'): string {
  const lang = data.lang;
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => render(key, params, lang);
  const h = header(data);
  const out: string[] = [`${reportPrefix('md', data.vault)}# ${h.title}`, '', ...h.meta.map((m) => `- ${m}`), ''];
  out.push(`## ${t('report.summary')}`, '', `| ${t('report.col.article')} | ${t('report.col.status')} | ${t('report.col.breaches')} | ${t('report.col.warnings')} |`, '| --- | --- | ---: | ---: |');
  for (const a of data.articles) out.push(`| ${cell(citeText(a.cite, lang))} | ${cell(statusLabel(a, lang))} | ${a.breaches} | ${a.warnings} |`);
  out.push('', `## ${t('report.units')}`, '', `| ${t('report.col.unit')} | ${t('report.col.trained')} | ${t('report.col.devices')} |`, '| --- | ---: | --- |');
  for (const u of data.units) {
    out.push(`| ${cell(u.unit)} | ${u.qualified}/${u.people} | ${cell(t('report.devicesLine', { active: u.devices.active, pending: u.devices.pending, revoked: u.devices.revoked, unseen: u.devices.unseen }))} |`);
  }
  out.push('', t('report.rotationsLine', { overdue: data.rotations.overdue, due: data.rotations.due, departures: data.rotations.departures }),
    t('report.counterfeitLine', { open: data.counterfeit.open, overdue: data.counterfeit.overdue }), t('report.unfiledLine', { count: data.unfiled }));
  for (const g of groups(data)) {
    out.push('', `## ${g.unit === null ? t('report.wholeVault') : t('report.unit', { unit: g.unit })}`);
    if (g.articles.length === 0) out.push('', t('report.nothing'));
    for (const a of g.articles) {
      out.push('', `### ${escapeControls(citeText(a.cite, lang))}`, '');
      for (const f of a.findings) {
        out.push(`- **${levelLabel(f, lang)}** ${escapeControls(f.text)}`, `  ${t('report.todoPrefix')} ${escapeControls(f.todo)}`);
      }
    }
  }
  out.push('', `## ${t('report.auditHeading')}`, '', ...auditLines(data).map((l) => `- ${escapeControls(l)}`));
  out.push('', `## ${t('report.verifyHeading')}`, '', t('report.verifyText', { file: fileName }), '');
  return `${out.join('\n')}\n`;
}

/** Every value inserted into the page goes through this. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
body{font:15px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem;margin-bottom:.25rem}h2{border-bottom:2px solid #d0d7de;padding-bottom:.2rem;margin-top:2.2rem}h3{margin:1.4rem 0 .4rem}
ul.meta{list-style:none;padding:0;color:#57606a;margin:.2rem 0 1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.35rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.breach,td.warning,td.d{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
.breach{color:#a40e26;font-weight:600}.warning{color:#7d4e00;font-weight:600}.ok{color:#116329;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:2rem}.charts figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
code{font-family:ui-monospace,monospace;font-size:.9em;background:#f6f8fa;padding:0 .2em}
@media print{body{margin:0;max-width:none}}
`;

function barChart(title: string, rows: { label: string; value: number; max: number; colour: string; caption: string }[]): string {
  const width = 540;
  const labelW = 150;
  const rowH = 26;
  const height = rows.length * rowH + 10;
  const bars = rows.map((r, i) => {
    const w = r.max > 0 ? Math.round(((width - labelW - 140) * r.value) / r.max) : 0;
    const y = 5 + i * rowH;
    return `<text x="0" y="${y + 16}" font-size="13">${escapeHtml(r.label.length > 18 ? `${r.label.slice(0, 17)}…` : r.label)}</text>`
      + `<rect x="${labelW}" y="${y + 3}" width="${width - labelW - 140}" height="16" fill="#eaeef2"/>`
      + `<rect x="${labelW}" y="${y + 3}" width="${w}" height="16" fill="${r.colour}"/>`
      + `<text x="${width - 134}" y="${y + 16}" font-size="13">${escapeHtml(r.caption)}</text>`;
  }).join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars}</svg></figure>`;
}

/** One HTML file: summary per article, charts, findings per unit and article, the audit log's state. */
export function renderHtml(data: ReportData, fileName = 'FILE'): string {
  const lang = data.lang;
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => render(key, params, lang);
  const e = escapeHtml;
  const h = header(data);
  const parts: string[] = [];
  parts.push(`${reportPrefix('html', data.vault)}<html lang="${lang === 'zh-CN' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">`
    + `<meta http-equiv="Content-Security-Policy" content="${e(CSP)}"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${e(h.title)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<header><h1>${e(h.title)}</h1><ul class="meta">${h.meta.map((m) => `<li>${e(m)}</li>`).join('')}</ul></header>`);

  parts.push(`<section id="summary"><h2>${e(t('report.summary'))}</h2><table><thead><tr><th>${e(t('report.col.article'))}</th><th>${e(t('report.col.status'))}</th><th>${e(t('report.col.breaches'))}</th><th>${e(t('report.col.warnings'))}</th></tr></thead><tbody>`
    + data.articles.map((a) => `<tr data-status="${e(a.status)}"><td>${e(citeText(a.cite, lang))}</td><td class="${e(a.status)}">${e(statusLabel(a, lang))}</td><td class="n">${a.breaches}</td><td class="n">${a.warnings}</td></tr>`).join('')
    + '</tbody></table></section>');

  const trainingRows = data.units.map((u) => ({ label: u.unit, value: u.qualified, max: u.people, colour: u.qualified === u.people ? '#2da44e' : '#cf222e', caption: `${u.qualified}/${u.people}` }));
  const rotationMax = Math.max(1, data.rotations.overdue, data.rotations.due, data.rotations.departures);
  const rotationRows = [
    { label: t('report.chart.overdue'), value: data.rotations.overdue, max: rotationMax, colour: '#cf222e', caption: String(data.rotations.overdue) },
    { label: t('report.chart.dueSoon'), value: data.rotations.due, max: rotationMax, colour: '#bf8700', caption: String(data.rotations.due) },
    { label: t('report.chart.departures'), value: data.rotations.departures, max: rotationMax, colour: '#8250df', caption: String(data.rotations.departures) },
  ];
  const deviceMax = Math.max(1, ...data.units.map((u) => u.devices.active + u.devices.pending + u.devices.revoked));
  const deviceRows = data.units.map((u) => ({ label: u.unit, value: u.devices.active, max: deviceMax, colour: '#0969da', caption: t('report.chart.devicesCaption', { active: u.devices.active, revoked: u.devices.revoked }) }));
  parts.push(`<section id="charts"><h2>${e(t('report.charts'))}</h2><div class="charts">`
    + barChart(t('report.chart.training'), trainingRows) + barChart(t('report.chart.rotations'), rotationRows) + barChart(t('report.chart.devices'), deviceRows)
    + '</div></section>');

  parts.push(`<section id="units"><h2>${e(t('report.units'))}</h2><table><thead><tr><th>${e(t('report.col.unit'))}</th><th>${e(t('report.col.trained'))}</th><th>${e(t('report.col.devices'))}</th></tr></thead><tbody>`
    + data.units.map((u) => `<tr><td>${e(u.unit)}</td><td class="n">${u.qualified}/${u.people}</td><td>${e(t('report.devicesLine', { active: u.devices.active, pending: u.devices.pending, revoked: u.devices.revoked, unseen: u.devices.unseen }))}</td></tr>`).join('')
    + `</tbody></table><p>${e(t('report.rotationsLine', { overdue: data.rotations.overdue, due: data.rotations.due, departures: data.rotations.departures }))}<br>${e(t('report.counterfeitLine', { open: data.counterfeit.open, overdue: data.counterfeit.overdue }))}<br>${e(t('report.unfiledLine', { count: data.unfiled }))}</p></section>`);

  for (const g of groups(data)) {
    const title = g.unit === null ? t('report.wholeVault') : t('report.unit', { unit: g.unit });
    parts.push(`<section class="unit" data-unit="${e(g.unit ?? '')}"><h2>${e(title)}</h2>`);
    if (g.articles.length === 0) parts.push(`<p class="ok">${e(t('report.nothing'))}</p>`);
    for (const a of g.articles) {
      parts.push(`<section class="article" data-cite="${e(citeKey(a.cite))}"><h3>${e(citeText(a.cite, lang))}</h3><table><thead><tr><th>${e(t('report.col.level'))}</th><th>${e(t('report.col.finding'))}</th><th>${e(t('report.col.due'))}</th><th>${e(t('report.col.todo'))}</th></tr></thead><tbody>`
        + a.findings.map((f) => `<tr data-area="${e(f.area)}" data-subject="${e(f.subject)}"><td class="${e(f.level)}">${e(levelLabel(f, lang))}</td><td>${e(f.text)}</td><td class="d">${e(f.due ?? '')}</td><td>${e(f.todo)}</td></tr>`).join('')
        + '</tbody></table></section>');
    }
    parts.push('</section>');
  }
  parts.push(`<section id="audit"><h2>${e(t('report.auditHeading'))}</h2><p class="${data.audit.verified ? 'ok' : 'breach'}">${auditLines(data).map(e).join('<br>')}</p></section>`);
  parts.push(`<footer><h2>${e(t('report.verifyHeading'))}</h2><p>${e(t('report.verifyText', { file: fileName }))}</p></footer></body></html>\n`);
  return parts.join('\n');
}
