/** Failures that used to be reported under another failure's code now carry their own. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';

describe('failures with their own codes (sqlite)', () => {
  const boxes: Sandbox[] = [];
  afterAll(() => lockAll(undefined, boxes.map((b) => b.env)));

  it('an import file that exists but cannot be read is FILE_UNREADABLE (exit 8), not "not found"', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    await initVault(box.env);
    const dir = join(box.dir, 'export.json');
    mkdirSync(dir);
    const result = await gmv(['import', 'bitwarden', dir, '--dry-run', '--json'], { env: box.env });
    expect(result.code, result.stderr).toBe(8);
    expect(JSON.parse(result.stdout).error.code).toBe('FILE_UNREADABLE');
    expect(result.stderr).toContain('EISDIR');
    const missing = await gmv(['import', 'bitwarden', join(box.dir, 'nope.json'), '--dry-run', '--json'], { env: box.env });
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout).error.code).toBe('FILE_NOT_FOUND');
  });

  it('--can confirm is CAPABILITY_UNKNOWN (exit 2) naming the capabilities and what confirming needs', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    const grant = await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,confirm', '--json'], { env: box.env });
    expect(grant.code, grant.stderr).toBe(2);
    const error = JSON.parse(grant.stdout).error;
    expect(error.code).toBe('CAPABILITY_UNKNOWN');
    expect(error.message).toContain('"confirm"');
    expect(error.message).toContain('reveal, otp, manage');
    expect(error.message).toContain('needs manage');
  });
});
