/** Platform-side bindings: WeChat's 1 admin / 5 long-term / 20 short-term limits, month-long short-term bindings. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';

describe.each(dialects())('bindings on %s', (dialect) => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['account', 'add', '--slug', 'wechat-main', '--platform', 'wechat-oa', '--name', '沈阳发布', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  it('enforces WeChat limits, dates short-term bindings, lists by person, removes', async () => {
    const admin = await gmv(['binding', 'add', 'wechat-main', '--role', 'admin', '--person', 'li.an', '--json'], { env: box.env });
    expect(admin.code, admin.stderr).toBe(0);
    const second = await gmv(['binding', 'add', 'wechat-main', '--role', 'admin', '--external', '外包公司 小王'], { env: box.env });
    expect(second.code).toBe(11);
    expect(second.stderr).toMatch(/allows 1 admin/);
    const short = JSON.parse((await gmv(['binding', 'add', 'wechat-main', '--role', 'short-term-operator', '--external', '外包公司 小王', '--bound-on', '2026-11-01', '--json'], { env: box.env })).stdout);
    expect(short.binding).toMatchObject({ role: 'short-term-operator', external: '外包公司 小王', boundOn: '2026-11-01', until: '2026-12-01' });
    expect((await gmv(['binding', 'add', 'wechat-main', '--role', 'admin'], { env: box.env })).code).toBe(2);
    const mine = JSON.parse((await gmv(['binding', 'list', '--person', 'li.an', '--json'], { env: box.env })).stdout).bindings;
    expect(mine).toEqual([expect.objectContaining({ slug: 'wechat-main', role: 'admin', login: 'li.an' })]);
    expect((await gmv(['binding', 'remove', String(JSON.parse(admin.stdout).binding.id)], { env: box.env })).code).toBe(0);
    expect(JSON.parse((await gmv(['binding', 'list', 'wechat-main', '--json'], { env: box.env })).stdout).bindings.map((b: { role: string }) => b.role)).toEqual(['short-term-operator']);
    const log = JSON.parse((await gmv(['audit', 'log', '--action', 'binding.*', '--json'], { env: box.env })).stdout).entries.map((e: { action: string }) => e.action);
    expect(log).toEqual(['binding.add', 'binding.add', 'binding.remove']);
  });
});
