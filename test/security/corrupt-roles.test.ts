/**
 * Attacker (or a damaged disk): someone who can write the vault file rewrites a person's stored
 * roles — to a role gmv does not know, or to bytes that are not JSON at all. Expected: every
 * command that reads them stops with VAULT_CORRUPT (exit 6) naming the person, in the listing and
 * at the access door alike; never exit 1 "internal error", never a decision taken on the bad value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';

describe('corrupt stored roles', () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  async function setRoles(value: string): Promise<void> {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(box.paths.defaultVault);
    try {
      db.prepare("update people set roles = ? where login = 'li.an'").run(value);
    } finally {
      db.close();
    }
  }

  it.each([
    ['not JSON', '{security-officer'],
    ['an unknown role', '["security-officer","root"]'],
    ['not a list', '"security-officer"'],
  ])('%s exits 6 from a listing and from the access door', async (_what, value) => {
    await setRoles(value);
    const list = await gmv(['staff', 'list'], { env: box.env });
    expect(list.code, list.stderr).toBe(6);
    expect(list.stderr).toContain('li.an');
    expect(list.stderr).toMatch(/roles/);
    const json = JSON.parse((await gmv(['staff', 'list', '--json'], { env: box.env })).stdout);
    expect(json.error).toMatchObject({ code: 'VAULT_CORRUPT', exit: 6 });
    const act = await gmv(['unit', 'add', '法制科'], { env: box.env });
    expect(act.code, act.stderr).toBe(6);
    expect(act.stderr).toContain('li.an');
    const zh = await gmv(['staff', 'list', '--lang', 'zh-CN'], { env: box.env });
    expect(zh.stderr).toContain('li.an 存储的角色不是已知角色的列表');
    await setRoles('["security-officer"]');
    expect((await gmv(['staff', 'list'], { env: box.env })).code).toBe(0);
  });
});
