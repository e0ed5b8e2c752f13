/** Importing what users have today: all or nothing, malformed rows named by line, dry runs change nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { englishProse, PRODUCT_WORDS } from '../helpers/untranslated.js';
import { rawDb } from '../helpers/raw-db.js';
import { audit } from '../helpers/session-helpers.js';

const KEEPASS = [
  '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
  '"Root","微博-宣传科","shenyang_fabu","Kp-Weibo-Pass-1","https://weibo.com/login","","otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DP&period=30&digits=6","0","2026-01-01T00:00:00Z","2026-01-01T00:00:00Z"',
  '"Root","Douyin press","dy_press","Kp-Douyin-Pass-2","https://www.douyin.com/","note","","0","2026-01-01T00:00:00Z","2026-01-01T00:00:00Z"',
].join('\r\n');

describe.each(dialects())('import on %s', (dialect) => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  it('a dry run lists what would be created and creates nothing', async () => {
    const file = join(box.dir, 'keepass.csv');
    writeFileSync(file, KEEPASS);
    const dry = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--dry-run', '--json'], { env: box.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).accounts).toEqual([
      { line: 2, slug: 'wei-bo-xuan-chuan-ke', name: '微博-宣传科', platform: 'weibo', fields: ['password', 'login', 'totp'], notKept: ['url'] },
      { line: 3, slug: 'douyin-press', name: 'Douyin press', platform: 'douyin', fields: ['password', 'login', 'notes'], notKept: ['url'] },
    ]);
    expect(JSON.parse((await gmv(['account', 'list', '--json'], { env: box.env })).stdout).accounts).toEqual([]);
  });

  it('a malformed row stops everything and is named by line; a clean file imports every account', async () => {
    const bad = join(box.dir, 'bad.csv');
    writeFileSync(bad, `${KEEPASS}\r\n"Root","","nobody","","","","otpauth://totp/x?secret=@@@","0","",""`);
    const refused = await gmv(['import', 'keepassxc', bad, '--unit', '宣传科'], { env: box.env });
    expect(refused.code).toBe(11);
    expect(refused.stderr).toMatch(/line 4/);
    expect(JSON.parse((await gmv(['account', 'list', '--json'], { env: box.env })).stdout).accounts).toEqual([]);

    const file = join(box.dir, 'keepass.csv');
    const ok = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--json'], { env: box.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).created).toBe(2);
    expect(ok.stdout).not.toContain('Kp-Weibo-Pass-1');
    expect((await gmv(['grant', 'add', 'li.an', 'douyin-press', '--can', 'reveal'], { env: box.env })).code).toBe(0);
    expect((await gmv(['secret', 'show', 'douyin-press'], { env: box.env })).stdout.trim()).toBe('Kp-Douyin-Pass-2');
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
  });

  it('a refused import speaks Chinese to a Chinese reader: each row, the refusal and a bad slug map, with no English sentence', async () => {
    const bad = join(box.dir, 'bad-zh.csv');
    writeFileSync(bad, [
      KEEPASS,
      '"Root","","nobody","","","","","0","",""',
      '"Root/Recycle Bin","旧账号","old","old-pass","","","","0","",""',
      '"Root","短行"',
      '"Root",ab"c,"u","p","","","","0","",""',
    ].join('\r\n'));
    const refused = await gmv(['import', 'keepassxc', bad, '--unit', '宣传科'], { env: { ...box.env, LANG: 'zh_CN.UTF-8' } });
    expect(refused.code).toBe(11);
    for (const line of ['第 4 行：缺少名称', '第 5 行：已跳过：该条目在回收站中', '第 6 行：应有 10 个字段，实有 2 个', '第 7 行：CSV 格式有误：第 2 个字段含有引号，但没有用引号括起', '导入 无效：有 3 行存在问题；未导入任何内容。']) {
      expect(refused.stderr).toContain(line);
    }
    expect(englishProse(refused.stderr, { commands: [], words: new Set(PRODUCT_WORDS) })).toEqual([]);
    // Scripts get the row's key as a code beside its reason in the reader's language.
    const json = JSON.parse((await gmv(['import', 'keepassxc', bad, '--unit', '宣传科', '--json', '--lang', 'zh-CN'], { env: box.env })).stdout);
    expect(json.errors[0]).toEqual({ line: 4, code: 'importRowNoName', reason: '缺少名称' });
    expect(json.skipped).toEqual([{ line: 5, code: 'importSkippedRecycleBin', reason: '已跳过：该条目在回收站中' }]);

    const map = join(box.dir, 'bad-map.csv');
    writeFileSync(map, '微博,微博号\n');
    const mapped = await gmv(['import', 'keepassxc', bad, '--unit', '宣传科', '--slug-map', map, '--lang', 'zh-CN'], { env: box.env });
    expect(mapped.code).toBe(11);
    expect(mapped.stderr).toContain('标识映射表 无效：第 1 行："微博号" 不是有效的标识（由 a-z、0-9 和 - 组成，2 到 64 个字符）。');
    expect(englishProse(mapped.stderr, { commands: [], words: new Set(PRODUCT_WORDS) })).toEqual([]);
    const english = await gmv(['import', 'keepassxc', bad, '--unit', '宣传科', '--slug-map', map], { env: box.env });
    expect(english.stderr).toContain('Invalid slug map: line 1: "微博号" is not a slug (a-z, 0-9 and -, 2 to 64 characters).');
  });

  it('10,000 rows import in one change, and a sample opens for the importer (an account admin) with the value it had', async () => {
    expect((await gmv(['staff', 'set-roles', 'li.an', '--roles', 'security-officer,account-admin'], { env: box.env })).code).toBe(0);
    await train(box.env, 'li.an', ['security-officer', 'account-admin']);
    const rows = Array.from({ length: 10_000 }, (_, i) => `"Root","Bulk ${i}","bulk_user_${i}","Bulk-Pass-${i}-x","https://weibo.com/u${i}","","${i % 1000 === 7 ? 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP' : ''}","0","2026-01-01T00:00:00Z","2026-01-01T00:00:00Z"`);
    const file = join(box.dir, 'bulk.csv');
    writeFileSync(file, [KEEPASS.split('\r\n')[0], ...rows].join('\r\n'));
    const imported = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--json'], { env: box.env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).created).toBe(10_000);
    if (box.target.kind === 'postgres') {
      // The planner knows the tables hold the import: planned from an empty table's estimates, the
      // first listings after it joined by nested loops (3.6 s for this register instead of 0.2 s).
      const db = await rawDb(box.target);
      try {
        const estimates = await db.all<{ relname: string; reltuples: number }>("select relname, reltuples from pg_class where relname in ('accounts', 'grants', 'credential_versions', 'wraps') and relkind = 'r'");
        expect(estimates).toHaveLength(4);
        for (const e of estimates) expect(Number(e.reltuples), e.relname).toBeGreaterThanOrEqual(10_000);
      } finally {
        await db.close();
      }
    }
    for (const i of [0, 1, 4_999, 7_321, 9_999]) {
      const shown = JSON.parse((await gmv(['secret', 'show', `bulk-${i}`, '--json'], { env: box.env })).stdout);
      expect(shown).toMatchObject({ slug: `bulk-${i}`, version: 1, password: `Bulk-Pass-${i}-x`, login: `bulk_user_${i}` });
    }
    const code = await gmv(['otp', 'bulk-5007', '--json'], { env: box.env });
    expect(JSON.parse(code.stdout).code).toMatch(/^\d{6}$/);
    // Every row was recorded: 10,000 account.add and 10,000 grant.add entries, and the log verifies.
    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(0);
    const log = JSON.parse((await gmv(['audit', 'log', '--json', '--action', 'account.add'], { env: box.env })).stdout) as { entries: unknown[] };
    expect(log.entries.filter((e) => JSON.stringify(e).includes('"bulk-')).length).toBe(10_000);
  }, 180_000);

  it('keeps notes, says what it leaves out, makes pinyin slugs of Chinese titles (or takes a slug map) and grants in the same change', async () => {
    const rows = [
      '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
      '"Root","沈阳发布","sy_fabu","Fabu-Pass-11","https://weibo.com/sy","登录需短信验证\n第二行","","0","",""',
      '"Root","抖音 2号","dy_two","Douyin-Pass-12","","","","0","",""',
    ].join('\r\n');
    const file = join(box.dir, 'cn.csv');
    writeFileSync(file, rows);
    const map = join(box.dir, 'slugs.csv');
    writeFileSync(map, 'title,slug\n抖音 2号,douyin-second\n');
    const dry = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--slug-map', map, '--dry-run', '--json'], { env: box.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).accounts).toEqual([
      { line: 2, slug: 'shen-yang-fa-bu', name: '沈阳发布', platform: 'weibo', fields: ['password', 'login', 'notes'], notKept: ['url'] },
      { line: 4, slug: 'douyin-second', name: '抖音 2号', platform: 'other', fields: ['password', 'login'], notKept: [] },
    ]);
    const human = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--slug-map', map, '--dry-run'], { env: { ...box.env, LANG: 'zh_CN.UTF-8' } });
    expect(human.stdout).toContain('不保留');
    expect(human.stdout).toContain('网址（用于识别平台）');
    // A slug map naming a slug that is no slug is refused before anything happens.
    writeFileSync(map, '抖音 2号,Not A Slug\n');
    expect((await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--slug-map', map], { env: box.env })).code).toBe(11);
    // A long bad value is quoted by its start, not pasted whole into the message.
    writeFileSync(map, `抖音 2号,${'X'.repeat(5000)}\n`);
    const long = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--slug-map', map], { env: box.env });
    expect(long.code).toBe(11);
    expect(long.stderr).toContain(`${'X'.repeat(64)}…`);
    expect(long.stderr.length).toBeLessThan(600);
    writeFileSync(map, '抖音 2号,douyin-second\n');
    // --grant: the grantee is checked as grant add checks (here: not trained yet, so nothing is imported).
    expect((await gmv(['staff', 'add', '--login', 'qian.li', '--name', '钱丽', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
    const qian = otherTerminal(box, 'qian');
    const enrolled = JSON.parse((await gmv(['device', 'enroll', '--login', 'qian.li', '--passphrase-file', '-', '--json'], { env: qian.env, input: 'winter-pine-4R-slow-brook' })).stdout) as { code: string };
    expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
    const untrained = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--slug-map', map, '--grant', 'qian.li', '--json'], { env: box.env });
    expect(untrained.code).toBe(4);
    expect(JSON.parse(untrained.stdout).error.code).toMatch(/^DENIED_TRAINING/);
    expect((await gmv(['account', 'show', 'douyin-second'], { env: box.env })).code).toBe(3);
    await train(box.env, 'qian.li', 'editor');
    const ok = await gmv(['import', 'keepassxc', file, '--unit', '宣传科', '--slug-map', map, '--grant', 'qian.li', '--can', 'reveal', '--json'], { env: box.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ created: 2, granted: ['qian.li'] });
    expect(JSON.parse((await gmv(['secret', 'show', 'shen-yang-fa-bu', '--field', 'notes', '--json'], { env: box.env })).stdout).notes).toBe('登录需短信验证\n第二行');
    // The account is found by the title people know it by, too.
    const shown = await gmv(['account', 'show', '沈阳发布', '--json'], { env: box.env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).account.slug).toBe('shen-yang-fa-bu');
    expect(JSON.parse(shown.stdout).account.grantees).toContainEqual(expect.objectContaining({ login: 'qian.li', can: ['reveal'] }));
  });

  it('Bitwarden JSON exports are read too', async () => {
    const file = join(box.dir, 'bw.json');
    writeFileSync(file, JSON.stringify({ encrypted: false, items: [
      { type: 1, name: 'Bilibili official', notes: null, login: { username: 'bili_gov', password: 'Bw-Bili-Pass-3', totp: null, uris: [{ uri: 'https://passport.bilibili.com/login' }] } },
      { type: 2, name: 'a secure note' },
    ] }));
    // No --unit: the importing officer's unit.
    const dry = await gmv(['import', 'bitwarden', file, '--dry-run', '--json'], { env: box.env });
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.accounts).toEqual([{ line: 1, slug: 'bilibili-official', name: 'Bilibili official', platform: 'bilibili', fields: ['password', 'login'], notKept: ['url'] }]);
    expect(plan.skipped).toEqual([expect.objectContaining({ line: 2 })]);

    writeFileSync(file, JSON.stringify({ items: [{ type: 1, name: '', login: { password: 'x' } }] }));
    const bad = await gmv(['import', 'bitwarden', file, '--unit', '宣传科', '--json'], { env: box.env });
    expect(bad.code).toBe(11);
    expect(JSON.parse(bad.stdout)).toMatchObject({ errors: [expect.objectContaining({ line: 1 })], error: { code: 'INVALID_INPUT', exit: 11 } });
  });

  it('a file with nothing to import is refused, not reported as an import of nothing', async () => {
    const before = JSON.parse((await gmv(['account', 'list', '--json'], { env: box.env })).stdout).accounts.length;
    const audited = (await audit(box.env, 'import')).length;
    const cases: [string, string, string][] = [
      ['otpauth', 'empty.txt', '\n\n'],
      ['bitwarden', 'no-items.json', JSON.stringify({ encrypted: false, items: [] })],
      ['bitwarden', 'notes-only.json', JSON.stringify({ encrypted: false, items: [{ type: 2, name: 'a secure note' }] })],
    ];
    for (const [format, name, body] of cases) {
      const file = join(box.dir, name);
      writeFileSync(file, body);
      for (const extra of [['--dry-run'], []]) {
        const r = await gmv(['import', format, file, '--unit', '宣传科', '--json', ...extra], { env: box.env });
        expect(r.code, `${name}: ${r.stdout}`).toBe(11);
        const out = JSON.parse(r.stdout);
        expect(out.error.message).toContain(name.startsWith('notes') ? 'every entry in it was skipped' : 'holds no entries to import');
        expect(out.skipped).toHaveLength(name.startsWith('notes') ? 1 : 0);
      }
    }
    const zh = await gmv(['import', 'otpauth', join(box.dir, 'empty.txt'), '--unit', '宣传科', '--lang', 'zh-CN'], { env: box.env });
    expect(zh.stderr).toContain('其中没有可导入的条目');
    expect(JSON.parse((await gmv(['account', 'list', '--json'], { env: box.env })).stdout).accounts.length).toBe(before);
    expect((await audit(box.env, 'import')).length).toBe(audited);
  });
});
