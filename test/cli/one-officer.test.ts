/** A vault with one security officer is one lock-out from nobody to unlock it: gmv says so, and says how back. */
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { sandbox } from '../helpers/dialects.js';
import { lockAll } from '../helpers/session-helpers.js';

describe('the only security officer', () => {
  it('is warned at init and by staff list; locked out, the message names gmv recover instead of an unlock nobody can run', async () => {
    const box = await sandbox('sqlite');
    // Three failures, no back-off between them: the lock-out comes quickly.
    const policy = join(box.dir, 'policy.yaml');
    writeFileSync(policy, readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8').replace(/max_failures: \d+/, 'max_failures: 3').replace(/backoff_seconds: \d+/, 'backoff_seconds: 0'));
    const init = await initVault(box.env, ['--policy', policy]);
    expect(init.stderr).toContain('Warning: li.an is the only security officer.');
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    const list = await gmv(['staff', 'list'], { env: box.env });
    expect(list.stderr).toContain('li.an is the only security officer');
    const zh = await gmv(['staff', 'list'], { env: { ...box.env, LANG: 'zh_CN.UTF-8' } });
    expect(zh.stderr).toContain('li.an 是唯一的安全管理员');
    // --quiet keeps notes and warnings off stderr, not the result.
    const quiet = await gmv(['staff', 'list', '--quiet'], { env: box.env });
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('li.an');
    await lockAll(undefined, [box.env]);
    const wrong = join(box.dir, 'wrong');
    writeFileSync(wrong, 'not-the-passphrase-at-all\n');
    let last = { code: 0, stderr: '' };
    for (let i = 0; i < 6 && !/locked after/.test(last.stderr); i++) {
      last = await gmv(['login', '--login', 'li.an', '--passphrase-file', wrong], { env: box.env });
    }
    expect(last.code).toBe(5);
    expect(last.stderr).toContain('No other security officer can log in to unlock them');
    expect(last.stderr).toContain('gmv recover --login li.an --recovery-key FILE');
    expect(last.stderr).not.toContain('gmv staff unlock');
  });
});
