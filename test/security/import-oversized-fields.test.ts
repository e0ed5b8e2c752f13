/**
 * Threat: an import stores credential fields far larger than any other door accepts.
 *
 * Attacker's position: whoever prepares the export a unit imports — a Bitwarden JSON or KeePassXC
 * CSV whose password, username or notes run to megabytes (the file itself may hold 32 MiB).
 * `gmv secret set` refuses a field over 64 KiB, but the importer kept such values whole and sealed
 * them into the vault, its backups and every reveal.
 *
 * What must hold: a row with a field over the limit `secret set` applies is a malformed row (exit
 * 11, its line and field named); nothing is imported; a field at the limit is still taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

const LIMIT = 64 * 1024;
const HEADER = '"Group","Title","Username","Password","URL","Notes","TOTP"';

describe.each(dialects())('import of oversized credential fields on %s', (dialect) => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  const accounts = async () => parse<{ accounts: unknown[] }>(await gmv(['account', 'list', '--json'], { env: box.env })).accounts;

  it('secret set refuses a value one byte over the limit (the bar the importer must meet)', async () => {
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    const r = await gmv(['secret', 'set', 'weibo-press', '--field', 'notes', '--from-file', '-'], { env: box.env, input: 'n'.repeat(LIMIT + 1) });
    expect(r.code, r.stderr).toBe(11);
  });

  it.each([
    ['a Bitwarden password', 'bitwarden', 'json', { password: 'p'.repeat(LIMIT + 1) }, 1, 'password'],
    ['a Bitwarden username', 'bitwarden', 'json', { username: '用'.repeat(LIMIT / 3 + 1), password: 'Pw-1' }, 1, 'login'],
    ['a Bitwarden note', 'bitwarden', 'json', { password: 'Pw-1', notes: 'n'.repeat(LIMIT + 1) }, 1, 'notes'],
    ['a KeePassXC password', 'keepassxc', 'csv', { password: 'p'.repeat(LIMIT + 1) }, 3, 'password'],
  ] as const)('%s over 64 KiB: the row is refused and nothing is imported', async (_what, format, ext, fields, line, field) => {
    const before = (await accounts()).length;
    const file = join(box.dir, `oversized-${field}-${format}.${ext}`);
    const f = fields as { username?: string; password?: string; notes?: string };
    writeFileSync(file, format === 'bitwarden'
      ? JSON.stringify({ encrypted: false, items: [{ type: 1, name: 'Oversized', notes: f.notes ?? null, login: { username: f.username ?? null, password: f.password ?? null } }] })
      : `${HEADER}\n"Root","Fine","u","Pw-1","","",""\n"Root","Oversized","${f.username ?? ''}","${f.password ?? ''}","","${f.notes ?? ''}",""\n`);
    for (const extra of [['--dry-run'], []]) {
      const r = await gmv(['import', format, file, '--unit', '宣传科', ...extra], { env: box.env });
      expect(r.code, r.stderr.slice(0, 300)).toBe(11);
      expect(r.stderr).toContain(`line ${line}: the ${field} is longer than 64 KiB`);
      expect(r.stderr.length).toBeLessThan(2000);
    }
    const zh = await gmv(['import', format, file, '--unit', '宣传科', '--lang', 'zh-CN'], { env: box.env });
    expect(zh.stderr).toContain(`${{ password: '密码字段', login: '登录账号字段', notes: '备注字段' }[field]}（${field}）超过 64 KiB`);
    expect((await accounts()).length).toBe(before);
  });

  it('fields of exactly 64 KiB are imported and reveal whole', async () => {
    const file = join(box.dir, 'at-limit.json');
    const password = 'p'.repeat(LIMIT);
    writeFileSync(file, JSON.stringify({ encrypted: false, items: [{ type: 1, name: 'At the limit', notes: 'n'.repeat(LIMIT), login: { username: 'u', password } }] }));
    const r = await gmv(['import', 'bitwarden', file, '--unit', '宣传科', '--grant', 'li.an', '--can', 'reveal'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    const shown = await gmv(['secret', 'show', 'at-the-limit'], { env: box.env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trimEnd()).toBe(password);
  });
});
