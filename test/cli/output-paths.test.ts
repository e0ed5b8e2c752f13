/** A missing or unwritable output directory is a file error that says what to do, before any work. */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { sandbox } from '../helpers/dialects.js';
import { lockAll } from '../helpers/session-helpers.js';

describe('output paths', () => {
  it('gmv init with --recovery-key-out in a missing directory: exit 3, "create the directory first", no vault', async () => {
    const box = await sandbox('sqlite');
    const out = join(box.dir, 'usb', 'recovery.asc');
    const init = await gmv(['init', '--org', '沈阳市测试局', '--unit', '宣传科', '--officer', '李安', '--login', 'li.an', '--passphrase-file', '-', '--recovery-key-out', out, '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(init.code, init.stderr).toBe(3);
    expect(JSON.parse(init.stdout).error.code).toBe('OUTPUT_DIR_MISSING');
    expect(init.stderr).toContain(`Create the directory first (mkdir -p ${join(box.dir, 'usb')})`);
    expect(init.stderr).not.toMatch(/internal error/i);
    const zh = await gmv(['init', '--org', '沈阳市测试局', '--unit', '宣传科', '--officer', '李安', '--login', 'li.an', '--passphrase-file', '-', '--recovery-key-out', out], { env: { ...box.env, LANG: 'zh_CN.UTF-8' }, input: OFFICER_PASSPHRASE });
    expect(zh.stderr).toContain('请先创建该目录');
    expect(existsSync(box.env.GMV_VAULT!)).toBe(false);
  });

  it('an export into a directory that is missing or not writable names it; nothing is written', async () => {
    const box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    try {
      const missing = await gmv(['device', 'ca', 'export', '--out', join(box.dir, 'nowhere', 'ca.pem')], { env: box.env });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('does not exist. Create the directory first');
      if (process.getuid?.() !== 0) {
        const locked = join(box.dir, 'locked');
        mkdirSync(locked);
        chmodSync(locked, 0o500);
        const refused = await gmv(['device', 'ca', 'export', '--out', join(locked, 'ca.pem'), '--json'], { env: box.env });
        expect(refused.code).toBe(8);
        expect(JSON.parse(refused.stdout).error.code).toBe('OUTPUT_UNWRITABLE');
      }
    } finally {
      await lockAll(undefined, [box.env]);
    }
  });
});
