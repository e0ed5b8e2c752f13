/**
 * Fault or attack: the stored Merkle frontier (audit_tree: size and peaks, which writers resume
 * from) is damaged — unreadable, a size that disagrees with the entries, or well-formed peaks that
 * are not the tree's. Before, a write crashed with exit 1 (a JSON or Merkle error) and
 * `gmv audit verify`, which never read the frontier, said "verified" while the next writer would
 * sign a root the entries do not give. Expected: writes refuse with AUDIT_TREE_CORRUPT (exit 6)
 * and write nothing; verify reports AUDIT_TREE_CORRUPT (exit 6).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { lockAll } from '../helpers/session-helpers.js';

describe.each(dialects())('a corrupt audit tree frontier (%s)', (dialect) => {
  const boxes: Sandbox[] = [];
  afterAll(() => lockAll(undefined, boxes.map((b) => b.env)));

  async function loggedIn(): Promise<Sandbox> {
    const box = await sandbox(dialect);
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    return box;
  }

  const addAccount = (box: Sandbox) => gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科', '--json'], { env: box.env });
  const entries = async (box: Sandbox) => Number(Object.values((await directSql(box, ['select count(*) as n from audit_entries']))[0]!)[0]);

  for (const [name, damage] of [
    ['unreadable peaks', "update audit_tree set frontier = '[\"not a hash\"'"],
    ['a size the entries do not give', 'update audit_tree set size = size + 1'],
  ] as const) {
    it(`with ${name}: a write is exit 6 AUDIT_TREE_CORRUPT and writes nothing; verify says so too`, async () => {
      const box = await loggedIn();
      await directSql(box, [damage]);
      const before = await entries(box);
      const add = await addAccount(box);
      expect(add.code, add.stderr).toBe(6);
      expect(JSON.parse(add.stdout).error.code).toBe('AUDIT_TREE_CORRUPT');
      expect(add.stderr).toContain('audit_tree');
      expect(await entries(box)).toBe(before);
      const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
      expect(verify.code, verify.stderr).toBe(6);
      expect(JSON.parse(verify.stdout).error.code).toBe('AUDIT_TREE_CORRUPT');
    });
  }

  it('with well-formed peaks that are not the tree\'s: verify is exit 6 instead of "verified"', async () => {
    const box = await loggedIn();
    const [row] = await directSql(box, ['select frontier from audit_tree where id = 1']);
    const peaks = (JSON.parse(String(row!.frontier)) as string[]).map(() => 'ab'.repeat(32));
    await directSql(box, [`update audit_tree set frontier = '${JSON.stringify(peaks)}' where id = 1`]);
    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(6);
    expect(JSON.parse(verify.stdout).error.code).toBe('AUDIT_TREE_CORRUPT');
    expect(JSON.parse(verify.stdout).error.message).toMatch(/peaks differ/);
  });
});
