/**
 * Fault: a page of the SQLite vault file is damaged (a bad sector, a torn copy, someone's hex
 * editor) in a part the audit log scan never reads — here the root page of an index on grants.
 * Before, `gmv audit verify` still said "verified" while `PRAGMA integrity_check` failed. Expected:
 * verify runs the store's integrity check and reports VAULT_CORRUPT (exit 6) naming the vault and
 * what the check found; it prints nothing that looks like success.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { lockAll } from '../helpers/session-helpers.js';

describe('a malformed page in the vault file (sqlite)', () => {
  const boxes: Sandbox[] = [];
  afterAll(() => lockAll(undefined, boxes.map((b) => b.env)));

  it('makes audit verify exit 6 with VAULT_CORRUPT instead of "verified"', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    await gmv(['lock'], { env: box.env });
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);

    const [{ page, size }] = (await directSql(box, [
      'pragma wal_checkpoint(truncate)',
      "select (select rootpage from sqlite_master where name = 'grants_by_person') as page, (select page_size from pragma_page_size) as size",
    ])) as [{ page: number; size: number }];
    const fd = openSync(box.paths.defaultVault, 'r+');
    try {
      // An index b-tree page whose header says "interior page" with nonsense cell pointers.
      const junk = Buffer.alloc(Number(size), 0xa5);
      junk[0] = 0x02;
      writeSync(fd, junk, 0, junk.length, (Number(page) - 1) * Number(size));
    } finally {
      closeSync(fd);
    }
    const [check] = await directSql(box, ['pragma integrity_check']);
    expect(Object.values(check!)[0]).not.toBe('ok');

    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(6);
    expect(JSON.parse(verify.stdout).error.code).toBe('VAULT_CORRUPT');
    expect(verify.stderr).toContain(box.paths.defaultVault);
    expect(verify.stderr).not.toMatch(/internal error/i);
    const human = await gmv(['audit', 'verify'], { env: box.env });
    expect(human.code).toBe(6);
    expect(human.stdout).not.toMatch(/verified/i);
    expect(human.stderr).toMatch(/corrupt/);
  });
});
