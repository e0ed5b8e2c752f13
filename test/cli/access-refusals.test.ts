/**
 * Every refusal of the access door, through the built binary: its own error code and exit status,
 * and an audit entry naming the rule that refused. Unlocking and sessions go through the same door.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { englishProse, PRODUCT_WORDS } from '../helpers/untranslated.js';

const ZHAO = 'zhao-min-collects-old-maps-52';

const PLATFORM: Record<string, string> = { 'weibo-press': 'weibo', 'douyin-news': 'douyin', 'wechat-oa': 'wechat-oa' };

describe.each(dialects())('refusals of the access door on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('each has its code, exit status and an audit entry with its rule', async () => {
    const box = await sandbox(dialect);
    const zhao = otherTerminal(box, 'zhao');
    terminals.push(box, zhao);
    const run = async (args: string[], t: Sandbox, input?: string) => {
      const r = await gmv(args, { env: t.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await initVault(box.env);
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    for (const slug of ['weibo-press', 'douyin-news', 'wechat-oa']) {
      await run(['account', 'add', '--slug', slug, '--platform', PLATFORM[slug]!, '--name', slug, '--unit', '宣传科'], box);
    }
    await run(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,otp,manage'], box);
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box, 'Weibo-Secret-Value-1');
    await run(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box);
    await train(box.env, 'zhao.min', 'editor');
    const enroll = JSON.parse((await run(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], zhao, ZHAO)).stdout);
    await run(['device', 'approve', enroll.code], box);
    await run(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao, ZHAO);
    await run(['grant', 'add', 'zhao.min', 'douyin-news', '--can', 'otp'], box);
    const until = new Date(Date.now() + 15_000);
    await run(['grant', 'add', 'zhao.min', 'wechat-oa', '--can', 'reveal', '--until', until.toISOString()], box);
    await new Promise((r) => setTimeout(r, Math.max(0, until.getTime() - Date.now()) + 500));

    const refusals: { args: string[]; code: string; exit: number; rule: string; action: string }[] = [
      { args: ['staff', 'add', '--login', 'qian.li', '--name', '钱力', '--unit', '宣传科', '--roles', 'editor'], code: 'DENIED_ROLE', exit: 4, rule: 'role', action: 'staff.manage' },
      { args: ['secret', 'show', 'weibo-press'], code: 'DENIED_GRANT', exit: 4, rule: 'grant', action: 'secret.reveal' },
      { args: ['secret', 'show', 'douyin-news'], code: 'DENIED_CAPABILITY', exit: 4, rule: 'capability', action: 'secret.reveal' },
      { args: ['secret', 'show', 'wechat-oa'], code: 'DENIED_GRANT_EXPIRED', exit: 4, rule: 'grant-expiry', action: 'secret.reveal' },
    ];
    for (const r of refusals) {
      const out = await gmv([...r.args, '--json'], { env: zhao.env });
      expect(out.code, `${r.args.join(' ')}: ${out.stderr}`).toBe(r.exit);
      expect(JSON.parse(out.stdout).error.code).toBe(r.code);
      const entry = JSON.parse((await run(['audit', 'log', '--action', r.action, '--json'], box)).stdout).entries.at(-1);
      expect(entry).toMatchObject({ actor: 'zhao.min', outcome: 'denied', details: { rule: r.rule } });
    }

    // An archived account opens for nobody, not even an officer with a grant.
    await run(['account', 'archive', 'weibo-press'], box);
    const archived = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: box.env });
    expect(archived.code).toBe(4);
    expect(JSON.parse(archived.stdout).error.code).toBe('DENIED_ACCOUNT_STATUS');
    const archivedEntry = JSON.parse((await run(['audit', 'log', '--action', 'secret.reveal', '--json'], box)).stdout).entries.at(-1);
    expect(archivedEntry).toMatchObject({ actor: 'li.an', outcome: 'denied', details: { rule: 'account-status' } });
    // Refusals about the subject of a change are audited too: no grant on an archived account.
    const grantArchived = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal', '--json'], { env: box.env });
    expect(grantArchived.code).toBe(4);
    expect(JSON.parse(grantArchived.stdout).error.code).toBe('DENIED_STATUS');
    const grantEntry = JSON.parse((await run(['audit', 'log', '--action', 'grant.add', '--json'], box)).stdout).entries.at(-1);
    expect(grantEntry).toMatchObject({ actor: 'li.an', subject: 'weibo-press', outcome: 'denied', details: { rule: 'account-status', reason: 'account archived' } });
    // The status word is the reader's: "archived" in a Chinese refusal was English inside Chinese.
    const archivedZh = await gmv(['secret', 'show', 'weibo-press', '--lang', 'zh-CN'], { env: box.env });
    expect(archivedZh.stderr).toContain('拒绝：weibo-press 的状态为 已归档，任何人（包括 li.an）都不能再使用其凭据。');
    const grantArchivedZh = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal', '--lang', 'zh-CN'], { env: box.env });
    expect(grantArchivedZh.stderr).toBe('错误: 拒绝：weibo-press 的状态为 已归档，不允许 授予访问权限。\n');
    expect(englishProse(`${archivedZh.stderr}${grantArchivedZh.stderr}`, { commands: [], words: new Set(PRODUCT_WORDS) })).toEqual([]);

    // A terminal revoked under a live session: the next command is refused by the terminal rule and the session ends.
    const devices = JSON.parse((await run(['device', 'list', '--json'], box)).stdout);
    const list = (devices.devices ?? devices) as { id: string; login: string }[];
    const zhaoDevice = list.find((d) => d.login === 'zhao.min')!;
    await run(['device', 'revoke', zhaoDevice.id, '--reason', 'lost'], box);
    const revoked = await gmv(['secret', 'show', 'douyin-news', '--field', 'otp', '--json', '--lang', 'zh-CN'], { env: zhao.env });
    expect(revoked.code).toBe(5);
    expect(JSON.parse(revoked.stdout).error).toMatchObject({ code: 'DEVICE_NOT_AUTHORIZED', message: `此终端（${zhaoDevice.id}）未获授权：设备状态为 已吊销。安全管理员可批准或重新登记。` });
    const sessionEntry = JSON.parse((await run(['audit', 'log', '--action', 'auth.session', '--json'], box)).stdout).entries.at(-1);
    expect(sessionEntry).toMatchObject({ actor: 'zhao.min', outcome: 'denied', details: { rule: 'terminal' } });
    expect((await gmv(['whoami'], { env: zhao.env })).code).toBe(5);
  }, 400_000);
});
