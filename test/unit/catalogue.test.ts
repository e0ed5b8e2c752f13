import { describe, expect, it } from 'vitest';
import { render, pickLang, langFromArgv, LANGS, statusKey } from '../../src/i18n/catalogue.js';
import { englishProse, PRODUCT_WORDS } from '../helpers/untranslated.js';
import { ERROR_CODES, GmvError, exitCodeOf } from '../../src/errors.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  it('every error code has a message in each language with the same placeholders', () => {
    for (const code of ERROR_CODES) {
      const key = `error.${code}` as const;
      const [en, zh] = LANGS.map((lang) => render(key as never, {}, lang));
      expect(en, code).not.toMatch(/^error\./);
      expect(placeholders(zh!), code).toEqual(placeholders(en!));
      expect(zh, code).not.toBe(en === '{detail}' ? 'x' : en);
    }
  });

  it('chooses zh-CN from LANG or --lang, English otherwise', () => {
    expect(pickLang(undefined, { LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(pickLang('en', { LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(pickLang(undefined, { LANG: 'C.UTF-8' })).toBe('en');
    expect(pickLang(undefined, { LC_ALL: 'zh_TW', LANG: 'en_US' })).toBe('zh-CN');
  });

  it('honours LANGUAGE as gettext does, and every way of writing Chinese', () => {
    for (const language of ['zh_CN', 'zh', 'zh-Hans', 'zh_CN:en']) expect(pickLang(undefined, { LANGUAGE: language, LANG: 'en_US.UTF-8' }), language).toBe('zh-CN');
    expect(pickLang(undefined, { LANGUAGE: 'zh_CN' })).toBe('zh-CN');
    expect(pickLang(undefined, { LANGUAGE: 'en:zh_CN', LANG: 'zh_CN.UTF-8' })).toBe('en');
    // An explicit C locale turns LANGUAGE off (gettext), and --lang beats everything.
    expect(pickLang(undefined, { LANGUAGE: 'zh_CN', LANG: 'C' })).toBe('en');
    expect(pickLang('en', { LANGUAGE: 'zh_CN', LC_ALL: 'zh_CN.UTF-8' })).toBe('en');
    for (const lang of ['zh', 'zh_CN', 'zh-Hans', 'zh_CN.UTF-8']) expect(pickLang(undefined, { LC_ALL: lang }), lang).toBe('zh-CN');
  });

  it('reads --lang from a command line in either spelling before the environment (help has no parsed flags)', () => {
    expect(langFromArgv(['grant', 'add', '--help', '--lang', 'en'], { LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(langFromArgv(['--lang=zh-CN', '--help'], { LANG: 'C.UTF-8' })).toBe('zh-CN');
    expect(langFromArgv(['account', '--help'], { LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(langFromArgv(['account', '--help'], {})).toBe('en');
  });

  it('the help headings and flag notes exist in both languages with the same placeholders', () => {
    for (const key of ['help.usage', 'help.flags', 'help.globalFlags', 'help.required', 'help.default', 'help.options'] as const) {
      const [en, zh] = LANGS.map((lang) => render(key, {}, lang));
      expect(placeholders(zh!), key).toEqual(placeholders(en!));
      expect(zh, key).not.toBe(en);
    }
  });

  it('errors carry their exit code and render in either language', () => {
    const e = new GmvError('STORE_BUSY', { detail: 'database is locked' });
    expect(e.exitCode).toBe(7);
    expect(e.message).toContain('retry');
    expect(e.localized('zh-CN')).toContain('重试');
    expect(exitCodeOf('AUDIT_TAMPERED')).toBe(6);
  });

  it('import, store and command-line details are keys the reader reads in their own language, data left as typed', () => {
    const rows = new GmvError('INVALID_INPUT', { what: 'what.import', detail: 'detail.importRowsBad', count: 3 });
    expect(rows.message).toBe('Invalid import: 3 rows have problems; nothing was imported.');
    expect(rows.localized('zh-CN')).toBe('导入 无效：有 3 行存在问题；未导入任何内容。');
    const slug = new GmvError('INVALID_INPUT', { what: 'what.slugMap', detail: 'detail.slugMapNotSlug', line: 2, slug: 'Not A Slug' });
    expect(slug.message).toContain('line 2: "Not A Slug" is not a slug (a-z, 0-9 and -, 2 to 64 characters)');
    expect(slug.localized('zh-CN')).toBe('标识映射表 无效：第 2 行："Not A Slug" 不是有效的标识（由 a-z、0-9 和 - 组成，2 到 64 个字符）。');
    // A row's reason nests a second key (the CSV reader's) with the same parameters.
    const row = { line: 7, reason: 'detail.importRowMalformedCsv', malformed: 'detail.csvQuoteNotQuoted', field: 4 } as const;
    expect(render('import.rowError', row, 'en')).toBe('line 7: malformed CSV: field 4 has a quote but is not quoted');
    expect(render('import.rowError', row, 'zh-CN')).toBe('第 7 行：CSV 格式有误：第 4 个字段含有引号，但没有用引号括起');
    expect(render('import.rowError', { line: 3, reason: 'detail.importSkippedNote' }, 'zh-CN')).toBe('第 3 行：已跳过：这是安全笔记，不是登录项');
    expect(new GmvError('USAGE', { detail: 'detail.dateFlag', flag: '--since', value: 'yesterday' }).localized('zh-CN')).toBe('--since yesterday：应为 YYYY-MM-DD 格式的日期或 ISO-8601 时间戳');
    expect(new GmvError('VAULT_UNREADABLE', { path: '/v/db', detail: 'detail.storeNotDirectory', blocker: '/v' }).localized('zh-CN')).toContain('无法打开保险库 /v/db：/v 不是目录。');
    expect(new GmvError('INPUT_TOO_LARGE', { path: 'x.csv', limit: '64 MiB', what: 'what.importFile' }).localized('zh-CN')).toContain('这是 gmv 读取导入文件的上限');
  });

  it('people, device, account and grant refusals name their subject and reason in the reader\'s language', () => {
    const revoked = new GmvError('INVALID_INPUT', { what: 'what.device', detail: 'detail.deviceRevoked', device: 'dev-1' });
    expect(revoked.message).toBe('Invalid device: dev-1 is already revoked.');
    expect(revoked.localized('zh-CN')).toBe('设备 无效：dev-1 已被吊销。');
    const label = new GmvError('INVALID_INPUT', { what: 'what.deviceLabel', detail: 'detail.emptyPaddedControls' });
    expect(label.message).toBe('Invalid device label: empty, padded or holding control characters.');
    expect(label.localized('zh-CN')).toBe('设备名称 无效：为空、首尾有空格或含控制字符。');
    const noGrant = new GmvError('INVALID_INPUT', { what: 'what.grant', detail: 'detail.noGrant', login: 'zhang.wei', account: 'weibo-press' });
    expect(noGrant.localized('zh-CN')).toBe('授权 无效：zhang.wei 在 weibo-press 上没有授权。');
    const terminal = new GmvError('DEVICE_NOT_AUTHORIZED', { device: 'dev-2', reason: 'detail.deviceRevokedLogged', seq: 41 });
    expect(terminal.message).toContain('is not authorized: device revoked (audit entry #41)');
    expect(terminal.localized('zh-CN')).toContain('未获授权：设备已被吊销（审计记录 #41）');
    const departed = new GmvError('DENIED_STATUS', { login: 'wang.fang', status: 'departed', action: 'what.receivingGrant' });
    expect(departed.message).toBe('Denied: wang.fang is departed; receiving a grant is not allowed.');
    expect(departed.localized('zh-CN')).toContain('不允许 接受授权');
    // A value that only looks like a key is data, shown as given.
    expect(new GmvError('USAGE', { detail: 'detail.noSuchKey' }).localized('zh-CN')).toBe('detail.noSuchKey');
  });

  it('status words and the actions of the door read in the reader\'s language; the audit reason stays as stored', async () => {
    const { decideAccess } = await import('../../src/domain/access-rules.js');
    const departed = { id: 1, login: 'zhang.wei', status: 'departed', roles: ['editor' as const] };
    const now = new Date('2026-12-02T02:00:00.000Z');
    const refusal = (decision: ReturnType<typeof decideAccess>) => {
      if (decision.allow) throw new Error('expected a refusal');
      return { error: new GmvError(decision.code, decision.params), reason: decision.reason };
    };
    const session = refusal(decideAccess({ kind: 'session', action: 'using a session' }, { person: departed, now }));
    expect(session.error.localized('zh-CN')).toBe('拒绝：zhang.wei 的状态为 已离职，不允许 使用会话。');
    expect(session.error.message).toBe('Denied: zhang.wei is departed; using a session is not allowed.');
    expect(session.reason).toBe('person departed');
    const login = refusal(decideAccess({ kind: 'unlock', action: 'login' }, { person: departed, now }));
    expect(login.error.localized('zh-CN')).toBe('拒绝：zhang.wei 的状态为 已离职，不允许 登录。');
    expect(login.error.message).toBe('Denied: zhang.wei is departed; login is not allowed.');
    const terminal = refusal(decideAccess({ kind: 'session', action: 'using a session' }, { person: { ...departed, status: 'active' }, terminal: { id: 'dev-1', status: 'revoked', personId: 1 }, now }));
    expect(terminal.error.localized('zh-CN')).toBe('此终端（dev-1）未获授权：设备状态为 已吊销。安全管理员可批准或重新登记。');
    expect(terminal.error.message).toContain('is not authorized: device revoked.');
    const archived = refusal(decideAccess({ kind: 'credential', action: 'secret.reveal', account: { id: 7, slug: 'weibo-press', status: 'archived' }, need: 'reveal' }, { person: { ...departed, status: 'active' }, now }));
    expect(archived.error.localized('zh-CN')).toContain('拒绝：weibo-press 的状态为 已归档，');
    expect(archived.error.message).toContain('Denied: weibo-press is archived;');
    expect(archived.reason).toBe('account archived');
    // A status the catalogue does not know is shown as stored.
    expect(new GmvError('DENIED_STATUS', { login: 'x', status: statusKey('person', 'suspended'), action: 'what.receivingGrant' }).localized('zh-CN')).toContain('的状态为 suspended，');
    const noDevice = new GmvError('DENIED_STATUS', { login: 'wang.fang', status: 'what.statusWithoutDevice', personStatus: statusKey('person', 'onboarding'), action: 'what.receivingGrant' });
    expect(noDevice.localized('zh-CN')).toBe('拒绝：wang.fang 的状态为 入职中，且没有已批准的设备，不允许 接受授权。');
    expect(noDevice.message).toBe('Denied: wang.fang is onboarding without an approved device; receiving a grant is not allowed.');
    const certificate = new GmvError('DEVICE_NOT_AUTHORIZED', { device: 'dev-3', reason: 'detail.certificateProblem', problem: 'what.certificateVerdict.expired' });
    expect(certificate.localized('zh-CN')).toContain('未获授权：证书未通过验证（已过期）');
    expect(certificate.message).toContain('is not authorized: certificate expired.');
  });

  it('a PostgreSQL index that disagrees with its table is named in the reader\'s language; SQLite\'s own words stay as it said them', async () => {
    const { corruptStore } = await import('../../src/store/integrity.js');
    const one = corruptStore('postgres://db/gmv', [{ table: 'grants', rows: 12, index: 'grants_by_person', found: 11 }]);
    expect(one.localized('zh-CN')).toContain('（表 grants 有 12 行，但通过索引 grants_by_person 读到 11 行）');
    expect(one.message).toContain('(table grants holds 12 rows but index grants_by_person finds 11)');
    const several = corruptStore('postgres://db/gmv', [
      { table: 'grants', rows: 12, index: 'grants_by_person', found: 11 },
      { table: 'grants', rows: 12, index: 'grants_pkey', found: 10 },
      { table: 'people', rows: 3, index: 'people_login', found: 2 },
    ]);
    expect(several.localized('zh-CN')).toContain('读到 11 行；另有 2 个索引与其表的行数不符（grants_pkey, people_login）');
    expect(several.message).toContain('finds 11; and 2 more indexes disagree with their tables (grants_pkey, people_login)');
    const known = { commands: [], words: new Set(PRODUCT_WORDS) };
    expect(englishProse(several.localized('zh-CN'), known)).toEqual([]);
    expect(corruptStore('/v/db', ['*** in database main ***', 'Page 7: btreeInitPage() returns error code 11']).localized('zh-CN'))
      .toContain('*** in database main ***; Page 7: btreeInitPage() returns error code 11');
  });
});

describe('docs/exit-codes.md', () => {
  it('lists every error code in the row of its exit code', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'exit-codes.md'), 'utf8');
    for (const code of ERROR_CODES) {
      const row = doc.split('\n').find((line) => line.includes(`\`${code}\``));
      expect(row, `${code} missing from docs/exit-codes.md`).toBeDefined();
      expect(row!.startsWith(`| ${exitCodeOf(code)} |`), `${code} is documented under the wrong exit code`).toBe(true);
    }
  });
});

describe('a rotation item\'s detail', () => {
  it('says the shapes gmv writes in the reader\'s language and anything else as stored', async () => {
    const { rotationDetailText } = await import('../../src/domain/rotation-detail.js');
    expect(rotationDetailText('wang.fang left (revealed: password, totp)', 'zh-CN')).toBe('wang.fang 已离岗（曾查看：password, totp）');
    expect(rotationDetailText('wang.fang left', 'en')).toBe('wang.fang left');
    expect(rotationDetailText('grant of li.an narrowed to otp', 'zh-CN')).toBe('li.an 的授权已收窄为 otp');
    expect(rotationDetailText('every 90 days', 'zh-CN')).toBe('每 90 天');
    // An officer's own words, or a shape whose login is no login handle, are shown as written.
    expect(rotationDetailText('密码疑似泄露', 'zh-CN')).toBe('密码疑似泄露');
    expect(rotationDetailText('Bob Smith left', 'zh-CN')).toBe('Bob Smith left');
    expect(rotationDetailText('Bob! left', 'zh-CN')).toBe('Bob! left');
  });
});
