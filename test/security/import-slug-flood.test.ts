/**
 * Threat: an import file that never finishes planning.
 *
 * Attacker's position: hands an officer an export to import (a colleague's "account list", a
 * crafted file on a shared drive) with 50,000 rows of the same name. Each row's slug was found by
 * trying name, name-2, name-3 ... from the start, so the plan cost grew with the square of the
 * rows and `gmv import --dry-run` ran for hours holding a CPU: a denial of service on a tool
 * people need to log in to their accounts.
 *
 * What must hold: the dry run of 50,000 same-named rows finishes in seconds, with every slug
 * distinct and numbered in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';

const ROWS = 50_000;

describe('50,000 rows of one name', () => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('plan in seconds with distinct slugs', async () => {
    const file = join(box.dir, 'flood.csv');
    const lines = ['"Group","Title","Username","Password","URL","Notes"'];
    for (let i = 0; i < ROWS; i++) lines.push(`"Root","Press office","user${i}","pw-${i}","https://weibo.com/",""`);
    writeFileSync(file, lines.join('\r\n'));
    const started = Date.now();
    const r = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--dry-run', '--json'], { env: box.env });
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const slugs = (JSON.parse(r.stdout) as { accounts: { slug: string }[] }).accounts.map((a) => a.slug);
    expect(slugs).toHaveLength(ROWS);
    expect(new Set(slugs).size).toBe(ROWS);
    expect(slugs.slice(0, 3)).toEqual(['press-office', 'press-office-2', 'press-office-3']);
    expect(slugs.at(-1)).toBe(`press-office-${ROWS}`);
    expect(seconds).toBeLessThan(20);
  }, 120_000);
});
