/**
 * The daily job of account admins, through the built binary on each dialect: register, store,
 * grant, reveal, refuse a non-grantee, rotate; old versions stay readable to their old grantees only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';

const ZHANG = 'zhang-wei-rides-the-night-bus-88';
const WANG = 'wang-fang-likes-long-walks-31';
const PASSWORD = 'Weibo#Press-2026-secret';
const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

async function onboard(officer: Sandbox, terminal: Sandbox, login: string, name: string, roles: string, passphrase: string): Promise<void> {
  expect((await gmv(['staff', 'add', '--login', login, '--name', name, '--unit', '宣传科', '--roles', roles], { env: officer.env })).code).toBe(0);
  await train(officer.env, login, roles);
  const enroll = await gmv(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], { env: terminal.env, input: passphrase });
  expect(enroll.code, enroll.stderr).toBe(0);
  expect((await gmv(['device', 'approve', JSON.parse(enroll.stdout).code], { env: officer.env })).code).toBe(0);
  const login_ = await gmv(['login', '--login', login, '--passphrase-file', '-'], { env: terminal.env, input: passphrase });
  expect(login_.code, login_.stderr).toBe(0);
}

describe.each(dialects())('credential vault on %s', (dialect) => {
  let officer: Sandbox;
  let zhang: Sandbox;
  let wang: Sandbox;

  beforeAll(async () => {
    officer = await sandbox(dialect);
    zhang = otherTerminal(officer, 'zhang');
    wang = otherTerminal(officer, 'wang');
    await initVault(officer.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: officer.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(officer.env, 'li.an', 'security-officer');
    await onboard(officer, zhang, 'zhang.wei', '张伟', 'account-admin,editor', ZHANG);
    await onboard(officer, wang, 'wang.fang', '王芳', 'editor', WANG);
  });
  afterAll(async () => {
    for (const t of [officer, zhang, wang]) await gmv(['lock'], { env: t.env });
  });

  it('registers, stores, grants, reveals, refuses a non-grantee, and audits all of it', async () => {
    const add = await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科', '--login-id', 'shenyang_fabu', '--json'], { env: zhang.env });
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout).account.grantees).toEqual([{ login: 'zhang.wei', can: ['reveal', 'otp', 'manage'], until: null }]);
    // Art. 8: a second Weibo account for the same unit is allowed but warned about.
    const second = await gmv(['account', 'add', '--slug', 'weibo-second', '--platform', 'weibo', '--name', '沈阳发布2', '--unit', '宣传科'], { env: zhang.env });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/Art\. 8/);

    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], { env: zhang.env, input: `${PASSWORD}\n` })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', '-'], { env: zhang.env, input: `otpauth://totp/Weibo:press?secret=${SEED}&issuer=Weibo` })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'recovery', '--from-file', '-'], { env: zhang.env, input: 'AAAA-1111\nBBBB-2222\nCCCC-3333\n' })).code).toBe(0);

    const shown = await gmv(['secret', 'show', 'weibo-press'], { env: zhang.env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toBe(PASSWORD);

    // Not granted: refused with exit 4, and the refusal is audited with the account and terminal.
    const refused = await gmv(['secret', 'show', 'weibo-press'], { env: wang.env });
    expect(refused.code).toBe(4);
    expect(refused.stdout + refused.stderr).not.toContain(PASSWORD);
    expect(refused.stderr).toContain('gmv grant add wang.fang weibo-press');

    const grant = await gmv(['grant', 'add', 'wang.fang', 'weibo-press', '--can', 'otp', '--json'], { env: officer.env });
    expect(grant.code, grant.stderr).toBe(0);
    expect(JSON.parse(grant.stdout).grants[0]).toMatchObject({ slug: 'weibo-press', can: ['otp'], wrappedVersion: 3 });
    // otp-only: codes yes, the password no.
    const code = await gmv(['otp', 'weibo-press', '--json'], { env: wang.env });
    expect(code.code, code.stderr).toBe(0);
    expect(JSON.parse(code.stdout).code).toMatch(/^\d{6}$/);
    expect((await gmv(['secret', 'show', 'weibo-press'], { env: wang.env })).code).toBe(4);

    const log = JSON.parse((await gmv(['audit', 'log', '--subject', 'weibo-press', '--json'], { env: officer.env })).stdout).entries;
    const summary = log.map((e: { action: string; actor: string; outcome: string }) => `${e.actor}:${e.action}:${e.outcome}`);
    expect(summary).toEqual(expect.arrayContaining(['zhang.wei:secret.reveal:ok', 'wang.fang:secret.reveal:denied', 'li.an:grant.add:ok', 'wang.fang:secret.otp:ok']));
    const denial = log.find((e: { actor: string; outcome: string }) => e.actor === 'wang.fang' && e.outcome === 'denied');
    expect(denial.details).toMatchObject({ reason: 'no grant', field: 'password' });
    expect(denial.details.device).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(log)).not.toContain(PASSWORD);
    expect(JSON.stringify(log)).not.toContain(SEED);
  });

  it('TOTP codes equal oathtool for SHA1, SHA256 and SHA512 seeds', async () => {
    // The first seed is 80 bits, as some platforms still issue.
    const seeds = [['sha1', 'JBSWY3DPEHPK3PXP'], ['sha1', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'], ['sha256', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA'], ['sha512', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA']] as const;
    for (const [i, [algorithm, seed]] of seeds.entries()) {
      const slug = `douyin-${i}-${algorithm}`;
      expect((await gmv(['account', 'add', '--slug', slug, '--platform', 'douyin', '--name', `抖音 ${algorithm}`, '--unit', '宣传科'], { env: zhang.env })).code).toBe(0);
      const set = await gmv(['secret', 'set', slug, '--field', 'totp', '--from-file', '-'], { env: zhang.env, input: `otpauth://totp/Douyin:x?secret=${seed}&algorithm=${algorithm.toUpperCase()}&digits=8&period=30` });
      expect(set.code, set.stderr).toBe(0);
      // Stay inside one 30 s step: retry if the step turned between the two calls.
      for (let attempt = 0; attempt < 3; attempt++) {
        const ours = JSON.parse((await gmv(['otp', slug, '--json'], { env: zhang.env })).stdout);
        const theirs = execFileSync('oathtool', [`--totp=${algorithm}`, '-d', '8', '-b', seed], { encoding: 'utf8' }).trim();
        if (ours.secondsLeft < 3 && ours.code !== theirs) continue;
        expect(ours.code).toBe(theirs);
        break;
      }
    }
  });

  it('rotation: new version for current grantees only; old versions stay readable to their old grantees', async () => {
    expect((await gmv(['account', 'add', '--slug', 'wechat-main', '--platform', 'wechat-oa', '--name', '沈阳发布公众号', '--unit', '宣传科'], { env: zhang.env })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'wechat-main', '--field', 'password', '--from-file', '-'], { env: zhang.env, input: 'Old-Wechat-Password-1' })).code).toBe(0);
    expect((await gmv(['grant', 'add', 'wang.fang', 'wechat-main', '--can', 'reveal'], { env: officer.env })).code).toBe(0);
    expect((await gmv(['secret', 'show', 'wechat-main'], { env: wang.env })).stdout.trim()).toBe('Old-Wechat-Password-1');

    const removed = await gmv(['grant', 'remove', 'wang.fang', 'wechat-main', '--json'], { env: officer.env });
    expect(removed.code, removed.stderr).toBe(0);
    const due = JSON.parse((await gmv(['rotate', 'due', '--json'], { env: officer.env })).stdout).due;
    expect(due).toEqual(expect.arrayContaining([expect.objectContaining({ slug: 'wechat-main', reason: 'access-removed' })]));

    const start = await gmv(['rotate', 'start', 'wechat-main', '--reason', 'manual', '--json'], { env: zhang.env });
    expect(start.code, start.stderr).toBe(0);
    const generated = JSON.parse(start.stdout).password as string;
    expect(generated).toMatch(/[a-z]/);
    expect(generated).toMatch(/[A-Z]/);
    expect(generated).toMatch(/\d/);
    expect((await gmv(['rotate', 'start', 'wechat-main'], { env: zhang.env })).code).toBe(9);
    const confirm = await gmv(['rotate', 'confirm', 'wechat-main', '--json'], { env: zhang.env });
    expect(confirm.code, confirm.stderr).toBe(0);
    expect(JSON.parse(confirm.stdout).version).toBe(2);
    expect((await gmv(['secret', 'show', 'wechat-main'], { env: zhang.env })).stdout.trim()).toBe(generated);
    expect(JSON.parse((await gmv(['rotate', 'due', '--json'], { env: officer.env })).stdout).due.filter((d: { slug: string }) => d.slug === 'wechat-main')).toEqual([]);

    // Reusing a recent password is refused.
    const reuse = await gmv(['secret', 'set', 'wechat-main', '--field', 'password', '--from-file', '-'], { env: zhang.env, input: 'Old-Wechat-Password-1' });
    expect(reuse.code).toBe(11);
    // The removed grantee cannot read the new version even if granted again later for another reason? No: they are simply refused now.
    expect((await gmv(['secret', 'show', 'wechat-main'], { env: wang.env })).code).toBe(4);
  });

  it('narrowing a grant from reveal to otp queues what the person could open and no longer may for rotation', async () => {
    expect((await gmv(['account', 'add', '--slug', 'douyin-narrow', '--platform', 'douyin', '--name', '抖音收窄', '--unit', '宣传科'], { env: zhang.env })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'douyin-narrow', '--field', 'password', '--from-file', '-'], { env: zhang.env, input: 'Narrow-Douyin-Password-7' })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'douyin-narrow', '--field', 'totp', '--from-file', '-'], { env: zhang.env, input: SEED })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'douyin-narrow', '--field', 'recovery', '--from-file', '-'], { env: zhang.env, input: 'DDDD-4444\nEEEE-5555\n' })).code).toBe(0);
    const wide = await gmv(['grant', 'add', 'wang.fang', 'douyin-narrow', '--can', 'reveal', '--json'], { env: officer.env });
    expect(JSON.parse(wide.stdout).grants[0].rotation).toBeNull();
    expect((await gmv(['secret', 'show', 'douyin-narrow'], { env: wang.env })).stdout.trim()).toBe('Narrow-Douyin-Password-7');

    const narrowed = await gmv(['grant', 'add', 'wang.fang', 'douyin-narrow', '--can', 'otp'], { env: officer.env });
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(narrowed.stdout).toMatch(/wang\.fang could open the password, recovery codes of douyin-narrow and no longer may: rotation due \d{4}-\d{2}-\d{2}/);
    // The TOTP seed stays theirs: only the password and the recovery codes are owed.
    const due = JSON.parse((await gmv(['rotate', 'due', '--json'], { env: officer.env })).stdout).due.filter((d: { slug: string }) => d.slug === 'douyin-narrow');
    expect(due).toEqual([expect.objectContaining({ reason: 'access-removed', fields: ['password', 'recovery'], detail: 'grant of wang.fang narrowed to otp' })]);
    expect((await gmv(['secret', 'show', 'douyin-narrow'], { env: wang.env })).code).toBe(4);
    expect(JSON.parse((await gmv(['otp', 'douyin-narrow', '--json'], { env: wang.env })).stdout).code).toMatch(/^\d{6}$/);
    const entry = JSON.parse((await gmv(['audit', 'log', '--subject', 'douyin-narrow', '--action', 'grant.add', '--json'], { env: officer.env })).stdout).entries.at(-1);
    expect(entry.details).toMatchObject({ person: 'wang.fang', can: ['otp'], rotation_due: due[0].due, rotation_fields: ['password', 'recovery'] });

    // In Chinese too, with the fields named in Chinese.
    const again = await gmv(['grant', 'add', 'wang.fang', 'douyin-narrow', '--can', 'reveal'], { env: officer.env });
    expect(again.stdout).not.toMatch(/rotation due/);
    // Widened again, the TOTP-only wrap gives way to one of every field.
    expect((await gmv(['secret', 'show', 'douyin-narrow'], { env: wang.env })).stdout.trim()).toBe('Narrow-Douyin-Password-7');
    const zh = await gmv(['grant', 'add', 'wang.fang', 'douyin-narrow', '--can', 'otp', '--lang', 'zh-CN'], { env: officer.env });
    expect(zh.stdout).toContain(`wang.fang 曾可打开 douyin-narrow 的 密码, 恢复码，现已不可：须在 ${due[0].due} 前轮换。`);
    // Queued once: the open item keeps its due date.
    expect(JSON.parse((await gmv(['rotate', 'due', '--json'], { env: officer.env })).stdout).due.filter((d: { slug: string }) => d.slug === 'douyin-narrow')).toHaveLength(1);
    // A grant that never read the password owes nothing when it is given again.
    const otpOnly = await gmv(['grant', 'add', 'wang.fang', 'weibo-press', '--can', 'otp', '--json'], { env: officer.env });
    expect(JSON.parse(otpOnly.stdout).grants[0].rotation).toBeNull();
  });

  it('recovery codes are one-time: used codes are marked, the count drops, exhaustion is an error', async () => {
    const list = JSON.parse((await gmv(['recovery', 'list', '--json'], { env: zhang.env })).stdout).accounts;
    expect(list).toEqual(expect.arrayContaining([{ slug: 'weibo-press', left: 3, low: false }]));
    const first = await gmv(['recovery', 'use', 'weibo-press', '--json'], { env: zhang.env });
    expect(JSON.parse(first.stdout)).toMatchObject({ code: 'AAAA-1111', left: 2, low: true });
    expect(first.stderr).toMatch(/Only 2 recovery codes/);
    expect(JSON.parse((await gmv(['recovery', 'use', 'weibo-press', '--json'], { env: zhang.env })).stdout).code).toBe('BBBB-2222');
    expect(JSON.parse((await gmv(['recovery', 'use', 'weibo-press', '--json'], { env: zhang.env })).stdout).code).toBe('CCCC-3333');
    expect((await gmv(['recovery', 'use', 'weibo-press'], { env: zhang.env })).code).toBe(3);
    expect((await gmv(['audit', 'verify'], { env: officer.env })).code).toBe(0);
  });

  it('keeps the bound phone, e-mail and notes with the credential, validated and revealed like the rest', async () => {
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'phone', '--from-file', '-'], { env: zhang.env, input: '+86 138-0000-0000' })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'email', '--from-file', '-'], { env: zhang.env, input: 'press@example.gov.cn' })).code).toBe(0);
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'email', '--from-file', '-'], { env: zhang.env, input: 'not an address' })).code).toBe(11);
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'notes', '--from-file', '-'], { env: zhang.env, input: '密保问题在保险柜\nsecond line' })).code).toBe(0);
    expect((await gmv(['secret', 'show', 'weibo-press', '--field', 'phone'], { env: zhang.env })).stdout.trim()).toBe('+86 138-0000-0000');
    expect((await gmv(['secret', 'show', 'weibo-press', '--field', 'email'], { env: zhang.env })).stdout.trim()).toBe('press@example.gov.cn');
    expect((await gmv(['secret', 'show', 'weibo-press', '--field', 'notes'], { env: zhang.env })).stdout).toContain('密保问题在保险柜\nsecond line');
    // The recovery codes, all used before, stay used in the versions these fields wrote.
    expect((await gmv(['recovery', 'use', 'weibo-press'], { env: zhang.env })).code).toBe(3);
    expect(JSON.parse((await gmv(['recovery', 'list', '--json'], { env: zhang.env })).stdout).accounts).toEqual(expect.arrayContaining([expect.objectContaining({ slug: 'weibo-press', left: 0 })]));
    const shown = JSON.parse((await gmv(['account', 'show', 'weibo-press', '--json'], { env: officer.env })).stdout);
    expect(shown.account.fields).toEqual(expect.arrayContaining(['phone', 'email', 'notes']));
    expect(JSON.stringify(shown)).not.toContain('138-0000');
  });
});
