/**
 * Threat: an export in a legacy encoding is imported as mangled text.
 *
 * Attacker's position: none needed; the harm is silent corruption. An office's KeePassXC or
 * Bitwarden CSV was saved by a spreadsheet in GBK (Chinese Windows) or Latin-1. Read as UTF-8,
 * every Chinese or accented character became U+FFFD, so account names and, worse, passwords were
 * stored wrong with exit 0: the next login on the platform fails and the real password is lost
 * once the export is deleted, as gmv tells users to do.
 *
 * What must hold: a file that is not valid UTF-8 is refused (INPUT_NOT_UTF8, exit 11) naming the
 * first line that is not, with the conversion to run; nothing is imported, also with --dry-run;
 * the same rows in UTF-8 import and reveal exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

const HEADER = '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"';
const ASCII_ROW = '"Root","Douyin press","dy_press","Kp-Douyin-Pass-2","https://www.douyin.com/","","","0","",""';
// 沈阳发布 / 密码 in GBK: C9F2 D1F4 B7A2 B2BC, C3DC C2EB
const GBK_ROW = Buffer.concat([Buffer.from('"Root","'), Buffer.from('c9f2d1f4b7a2b2bc', 'hex'), Buffer.from('","sy_fabu","Pw-'), Buffer.from('c3dcc2eb', 'hex'), Buffer.from('-9","https://weibo.com/","","","0","",""')]);
// "Café Zürich" and a password with é in Latin-1.
const LATIN1_ROW = Buffer.from('"Root","Caf\u00e9 Z\u00fcrich","cafe","Pass-\u00e9t\u00e9-7","https://example.org/","","","0","",""', 'latin1');

describe('a CSV export that is not UTF-8', () => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  const accounts = async () => parse<{ accounts: unknown[] }>(await gmv(['account', 'list', '--json'], { env: box.env })).accounts;

  for (const [what, row, line] of [['GBK', GBK_ROW, 3], ['Latin-1', LATIN1_ROW, 3]] as const) {
    it(`${what}: refused naming line ${line}, nothing imported, also on a dry run`, async () => {
      const file = join(box.dir, `${what}.csv`);
      writeFileSync(file, Buffer.concat([Buffer.from(`${HEADER}\r\n${ASCII_ROW}\r\n`), row, Buffer.from('\r\n')]));
      for (const extra of [[], ['--dry-run']]) {
        const r = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', ...extra], { env: box.env });
        expect(r.code, r.stderr).toBe(11);
        expect(r.stderr).toBe(`Error: ${file} is not UTF-8 (line ${line} is not): nothing was taken from it. Export or save it again as UTF-8, or convert it, e.g. iconv -f GBK -t UTF-8 (or -f LATIN1).\n`);
        expect(r.stdout).not.toContain('\uFFFD');
      }
      const json = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--json'], { env: box.env });
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'INPUT_NOT_UTF8', exit: 11 } });
      expect(await accounts()).toEqual([]);
    });
  }

  it('the same rows converted to UTF-8 import and reveal exactly', async () => {
    const file = join(box.dir, 'utf8.csv');
    writeFileSync(file, `${HEADER}\r\n${ASCII_ROW}\r\n"Root","沈阳发布","sy_fabu","Pw-密码-9","https://weibo.com/","","","0","",""\r\n`);
    const r = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--json'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).accounts.map((a: { name: string }) => a.name)).toEqual(['Douyin press', '沈阳发布']);
    expect((await gmv(['grant', 'add', 'li.an', 'shen-yang-fa-bu', '--can', 'reveal'], { env: box.env })).code).toBe(0);
    expect((await gmv(['secret', 'show', 'shen-yang-fa-bu'], { env: box.env })).stdout).toBe('Pw-密码-9\n');
  });
});
