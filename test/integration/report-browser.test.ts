/**
 * The HTML compliance report in a real headless Chromium (Debian's `chromium`; .ci/run installs it):
 * the page makes no request and logs no error (its Content-Security-Policy forbids every load, and
 * the checker is shown to catch a page that tries one), it renders to a screenshot, and the untrained
 * editor's name is in the rendered table under Art. 25 — in English and in Chinese.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';
import { findChromium, visit } from '../helpers/chromium.js';

const chromium = findChromium();
// Skipped only where Chromium is truly missing and this is not CI (.ci/run installs it and sets this).
const required = process.env.GMV_REQUIRE_CHROMIUM === '1' || Boolean(process.env.CI);

/** The rendered text of each finding row under the article whose heading is `heading`, in the unit `unit`. */
const rowsUnder = (unit: string, heading: string) => `(() => {
  const unit = [...document.querySelectorAll('section.unit')].find((s) => s.dataset.unit === ${JSON.stringify(unit)});
  if (!unit) return null;
  const article = [...unit.querySelectorAll('section.article')].find((a) => a.querySelector('h3').innerText.trim() === ${JSON.stringify(heading)});
  if (!article) return null;
  const rect = article.getBoundingClientRect();
  return { visible: rect.width > 0 && rect.height > 0, rows: [...article.querySelectorAll('tbody tr')].map((tr) => tr.innerText),
    svgs: document.querySelectorAll('svg rect').length, summary: [...document.querySelectorAll('#summary tbody tr')].map((tr) => tr.innerText) };
})()`;

describe.skipIf(!chromium && !required)('the HTML report in headless Chromium', () => {
  let box: Sandbox;
  let dir: string;
  beforeAll(async () => {
    if (!chromium) throw new Error('chromium is required here (GMV_REQUIRE_CHROMIUM=1 or CI) but not installed: apt-get install chromium');
    box = await sandbox('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'gmv-report-html-'));
    await initVault(box.env);
    const ok = async (args: string[], input?: string) => {
      const r = await gmv(args, { env: box.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    };
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    // A name that must arrive as text, not markup.
    await ok(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟 <b>&amp;</b>', '--unit', '宣传科', '--roles', 'editor']);
    await ok(['account', 'add', '--slug', 'douyin-new', '--platform', 'douyin', '--name', '沈阳抖音', '--unit', '宣传科']);
    await ok(['report', '--format', 'html', '--out', join(dir, 'en.html')]);
    await ok(['report', '--format', 'html', '--out', join(dir, 'zh.html'), '--lang', 'zh-CN']);
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no request and no console error, renders a screenshot, and shows the untrained editor under Art. 25', async () => {
    const page = await visit(chromium!, join(dir, 'en.html'), rowsUnder('宣传科', 'Measures art. 25'));
    expect(page.requests).toEqual([]);
    expect(page.errors).toEqual([]);
    expect(page.screenshot.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(page.screenshot.length).toBeGreaterThan(20_000);
    writeFileSync(join(box.dir, 'report.png'), page.screenshot);
    const found = page.value as { visible: boolean; rows: string[]; svgs: number; summary: string[] };
    expect(found.visible).toBe(true);
    expect(found.rows.some((r) => r.includes('BREACH') && r.includes('张伟 <b>&amp;</b> (zhang.wei) has not completed Security basics.'))).toBe(true);
    expect(found.rows.join('\n')).not.toContain('li.an');
    expect(found.summary.some((r) => /^Measures art\. 25\tNOT MET\t\d+\t\d+$/.test(r))).toBe(true);
    expect(found.svgs).toBeGreaterThan(0);
  });

  it('in Chinese: the same editor under 办法第二十五条', async () => {
    const page = await visit(chromium!, join(dir, 'zh.html'), rowsUnder('宣传科', '办法第二十五条'));
    expect(page.requests).toEqual([]);
    expect(page.errors).toEqual([]);
    const found = page.value as { rows: string[] };
    expect(found.rows.some((r) => r.includes('不符合') && r.includes('张伟 <b>&amp;</b>（zhang.wei）未完成网络安全基础。'))).toBe(true);
  });

  it('the checker itself catches a page that loads something (with and without the CSP)', async () => {
    const html = readFileSync(join(dir, 'en.html'), 'utf8');
    const withImage = html.replace('</body>', '<img src="http://127.0.0.1:9/pixel.png" alt=""></body>');
    writeFileSync(join(dir, 'csp.html'), withImage);
    const blocked = await visit(chromium!, join(dir, 'csp.html'), '1');
    expect([...blocked.errors, ...blocked.requests].join('\n')).toContain('127.0.0.1:9/pixel.png');
    writeFileSync(join(dir, 'open.html'), withImage.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
    const open = await visit(chromium!, join(dir, 'open.html'), '1');
    expect(open.requests).toContain('http://127.0.0.1:9/pixel.png');
  });
});
