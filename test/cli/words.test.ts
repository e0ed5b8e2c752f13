/**
 * The words of list and show commands — headings, status words, labels — are in the reader's
 * language: Chinese under LANG=zh_CN.UTF-8, English with --lang en (or an English LANG). JSON keeps
 * the stored values whatever the language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';

describe.each(dialects())('words of listings on %s', (dialect) => {
  let box: Sandbox;
  let zh: Record<string, string>;
  beforeAll(async () => {
    box = await sandbox(dialect);
    zh = { ...box.env, LANG: 'zh_CN.UTF-8' };
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    for (const args of [
      ['staff', 'add', '--login', 'wang.fang', '--name', '王芳', '--unit', '宣传科', '--roles', 'editor', '--employer', '某某文化传媒有限公司'],
      ['account', 'add', '--slug', 'wechat-main', '--platform', 'wechat-oa', '--name', '沈阳发布', '--unit', '宣传科'],
      ['grant', 'add', 'li.an', 'wechat-main', '--can', 'reveal,otp,manage'],
      ['binding', 'add', 'wechat-main', '--role', 'short-term-operator', '--external', '小王', '--bound-on', '2026-01-01'],
    ]) {
      const r = await gmv(args, { env: box.env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect((await gmv(['secret', 'set', 'wechat-main', '--field', 'password', '--from-file', '-'], { env: box.env, input: 'Wechat-Main-Secret-1' })).code).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  const heading = (out: string) => out.split('\n')[0]!.split(/\s{2,}/);

  it('staff list and show: Chinese headings and status words under LANG=zh_CN.UTF-8, English with --lang en', async () => {
    const list = await gmv(['staff', 'list'], { env: zh });
    expect(list.code, list.stderr).toBe(0);
    expect(heading(list.stdout)).toEqual(['登录名', '姓名', '单位', '角色', '用人单位', '状态', '设备', '双因素']);
    expect(list.stdout).toMatch(/li\.an\s+李安\s+宣传科\s+security-officer\s+-\s+在职\s+1\s+-/);
    expect(list.stdout).toMatch(/wang\.fang\s+王芳\s+宣传科\s+editor\s+某某文化传媒有限公司\s+入职中\s+0/);
    const en = await gmv(['staff', 'list', '--lang', 'en'], { env: zh });
    expect(heading(en.stdout)).toEqual(['login', 'name', 'unit', 'roles', 'employer', 'status', 'devices', 'mfa']);
    expect(en.stdout).toMatch(/wang\.fang\s+王芳\s+宣传科\s+editor\s+某某文化传媒有限公司\s+onboarding\s+0/);
    const show = await gmv(['staff', 'show', 'li.an'], { env: zh });
    expect(show.stdout).toContain('  单位：宣传科\n');
    expect(show.stdout).toContain('  用人单位：本单位\n');
    expect(show.stdout).toContain('  状态：在职\n');
    expect(show.stdout).toContain('  第二因素：无\n');
    expect(show.stdout).toMatch(/ {2}设备：[0-9a-f-]{36} \(有效\)\n/);
    expect(JSON.parse((await gmv(['staff', 'show', 'wang.fang', '--json'], { env: zh })).stdout)).toMatchObject({ person: { status: 'onboarding' } });
  });

  it('account, grant, device, binding, unit listings and account show', async () => {
    const accounts = await gmv(['account', 'list'], { env: zh });
    expect(heading(accounts.stdout)).toEqual(['标识', '平台', '姓名', '单位', '已存字段', '版本', '被授权人']);
    expect(accounts.stdout).toMatch(/wechat-main\s+wechat-oa\s+沈阳发布\s+宣传科\s+password\s+第 1 版\s+li\.an/);
    const grants = await gmv(['grant', 'list'], { env: zh });
    expect(heading(grants.stdout)).toEqual(['人员', '账号', '权限', '到期', '授权人', '已封装']);
    const devices = await gmv(['device', 'list'], { env: zh });
    expect(heading(devices.stdout)).toEqual(['编号', '人员', '名称', '状态', '批准人', '证书有效期至']);
    expect(devices.stdout).toMatch(/有效.*（本终端）/);
    const bindings = await gmv(['binding', 'list'], { env: zh });
    expect(heading(bindings.stdout)).toEqual(['#', '账号', '平台角色', '绑定人', '绑定日期', '到期']);
    expect(bindings.stdout).toContain('小王（外部人员）');
    expect(bindings.stdout).toContain('2026-01-31（已过期：请在平台上解除绑定）');
    const units = await gmv(['unit', 'list'], { env: zh });
    expect(heading(units.stdout)).toEqual(['单位', '在册人数', '创建日期']);
    const show = await gmv(['account', 'show', 'wechat-main'], { env: zh });
    expect(show.stdout).toContain('wechat-main  沈阳发布（wechat-oa，使用中）\n');
    expect(show.stdout).toContain('  已存储：password（第 1 版）\n');
    const en = await gmv(['account', 'show', 'wechat-main', '--lang', 'en'], { env: zh });
    expect(en.stdout).toContain('wechat-main  沈阳发布  (wechat-oa, active)\n');
    expect(en.stdout).toContain('  stored: password (version 1)\n');
    expect(heading((await gmv(['grant', 'list', '--lang', 'en'], { env: zh })).stdout)).toEqual(['person', 'account', 'can', 'until', 'granted by', 'wrapped']);
  });

  it('a pending and a revoked device and the rotation queue read in Chinese too', async () => {
    const wang = otherTerminal(box, 'wang');
    const enrolled = await gmv(['device', 'enroll', '--login', 'wang.fang', '--passphrase-file', '-', '--json'], { env: wang.env, input: 'willow-river-9K-paper-kite' });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const deviceId = JSON.parse(enrolled.stdout).deviceId as string;
    expect((await gmv(['device', 'list', '--login', 'wang.fang'], { env: zh })).stdout).toMatch(new RegExp(`${deviceId}\\s+wang\\.fang\\s+.*待批准`));
    expect((await gmv(['device', 'revoke', deviceId, '--reason', '笔记本丢失'], { env: box.env })).code).toBe(0);
    expect((await gmv(['device', 'list', '--login', 'wang.fang'], { env: zh })).stdout).toContain('已吊销（笔记本丢失）');
    expect((await gmv(['device', 'list', '--login', 'wang.fang', '--lang', 'en'], { env: zh })).stdout).toContain('revoked (笔记本丢失)');
    expect((await gmv(['grant', 'remove', 'li.an', 'wechat-main'], { env: box.env })).code).toBe(0);
    const due = await gmv(['rotate', 'due'], { env: zh });
    expect(heading(due.stdout)).toEqual(['账号', '原因', '待轮换字段', '截止日期', '说明']);
    // The reason and gmv's own detail in Chinese; --json keeps the stored code and text for scripts.
    expect(due.stdout).toMatch(/wechat-main\s+权限撤销\s+.*li\.an 的授权已撤销/);
    expect(due.stdout).not.toMatch(/access-removed|grant of/);
    const dueEn = await gmv(['rotate', 'due', '--lang', 'en'], { env: zh });
    expect(heading(dueEn.stdout)).toEqual(['account', 'reason', 'to rotate', 'due', 'detail']);
    expect(dueEn.stdout).toMatch(/wechat-main\s+access removed\s+.*grant of li\.an removed/);
    const dueJson = JSON.parse((await gmv(['rotate', 'due', '--json'], { env: zh })).stdout).due.find((d: { slug: string }) => d.slug === 'wechat-main');
    expect(dueJson).toMatchObject({ reason: 'access-removed', detail: 'grant of li.an removed' });
  });
});
