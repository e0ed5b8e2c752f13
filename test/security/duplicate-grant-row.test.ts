/**
 * Attack or fault: a second live grant row for the same person and account appears in the grants
 * table (a hand-written insert, a restore merged twice). gmv keeps one live grant per person and
 * account. Before, `secret set` crashed with exit 1 (wrapping the data key twice for one person)
 * while reveals went on, deciding by whichever rows came back. Expected: every door that reads the
 * grant refuses with GRANT_DUPLICATE (exit 6) naming the person and account, and nothing is written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { lockAll } from '../helpers/session-helpers.js';

describe.each(dialects())('a duplicate live grant row (%s)', (dialect) => {
  const boxes: Sandbox[] = [];
  afterAll(() => lockAll(undefined, boxes.map((b) => b.env)));

  it('makes secret set and secret show exit 6 GRANT_DUPLICATE naming person and account', async () => {
    const box = await sandbox(dialect);
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    expect((await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,otp,manage'], { env: box.env })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], { env: box.env, input: 'Weibo-Press-Secret-1' })).code).toBe(0);
    await directSql(box, [`insert into grants (person_id, account_id, can, until, granted_by, granted_at, removed_by, removed_at)
      select person_id, account_id, '["reveal","otp","manage"]', until, granted_by, granted_at, removed_by, removed_at from grants where removed_at is null`]);
    const versions = async () => Number(Object.values((await directSql(box, ['select count(*) as n from credential_versions']))[0]!)[0]);
    const before = await versions();

    const set = await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: 'Weibo-Press-Secret-2' });
    expect(set.code, set.stderr).toBe(6);
    expect(JSON.parse(set.stdout).error.code).toBe('GRANT_DUPLICATE');
    expect(set.stderr).toContain('li.an');
    expect(set.stderr).toContain('weibo-press');
    expect(await versions()).toBe(before);

    const show = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: box.env });
    expect(show.code, show.stderr).toBe(6);
    expect(show.stdout).not.toContain('Weibo-Press-Secret');
    expect(JSON.parse(show.stdout).error.code).toBe('GRANT_DUPLICATE');
  });
});
