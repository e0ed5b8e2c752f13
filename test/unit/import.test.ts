import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GmvError } from '../../src/errors.js';
import { render } from '../../src/i18n/catalogue.js';
import { readCsv } from '../../src/domain/import/csv.js';
import {
  IMPORT_FORMATS, parseBitwardenCsv, parseBitwardenJson, parseImport, parseKeepassxcCsv, parseOtpauthList, type ImportReport,
} from '../../src/domain/import/index.js';

const SEED = 'JBSWY3DPEHPK3PXP';
const SEED2 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const TOTP = { secret: SEED, algorithm: 'sha1', digits: 6, period: 30 };

function thrown(fn: () => unknown): GmvError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GmvError);
    return error as GmvError;
  }
  throw new Error('expected a GmvError');
}

/** A report's row problems as an English reader sees them. */
function english(errors: ImportReport['errors']): { line: number; reason: string }[] {
  return errors.map((e) => ({ line: e.line, reason: render(e.reason, e.params ?? {}, 'en') }));
}

/** No reason in a report may repeat a password or seed from the file. */
function expectNoSecretsIn(report: ImportReport, secrets: string[]): void {
  const reasons = JSON.stringify(report.errors) + JSON.stringify(english(report.errors));
  for (const secret of secrets) expect(reasons).not.toContain(secret);
}

describe('CSV reader', () => {
  it('reads quotes, doubled quotes, embedded commas and newlines, with the line each record starts on', () => {
    const text = 'a,b,c\n"x, y","say ""hi""","two\nlines"\n"",plain,\n';
    expect(readCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 4, fields: ['', 'plain', ''] },
    ]);
  });

  it('handles CRLF, lone CR, a BOM, blank lines and a missing final newline', () => {
    expect(readCsv('\uFEFFname,pw\r\n"多\r\n行",p1\r\n\r\n\r\nlast,p2')).toEqual([
      { line: 1, fields: ['name', 'pw'] },
      { line: 2, fields: ['多\r\n行', 'p1'] },
      { line: 6, fields: ['last', 'p2'] },
    ]);
    expect(readCsv('a\rb\r')).toEqual([{ line: 1, fields: ['a'] }, { line: 2, fields: ['b'] }]);
    expect(readCsv('')).toEqual([]);
    expect(readCsv('\uFEFF')).toEqual([]);
    expect(readCsv('"" ')).toEqual([{ line: 1, fields: [' '], malformed: { problem: 'detail.csvTextAfterQuote', field: 1 } }]);
  });

  it('marks malformed records by line and carries on', () => {
    const records = readCsv('h1,h2\nab"c,d\n"ok",fine\n"x"y,z\n');
    expect(records.map((r) => [r.line, r.malformed])).toEqual([
      [1, undefined], [2, { problem: 'detail.csvQuoteNotQuoted', field: 1 }], [3, undefined], [4, { problem: 'detail.csvTextAfterQuote', field: 1 }],
    ]);
    expect(records[2]?.fields).toEqual(['ok', 'fine']);
  });

  it('reports an unterminated quote at the line it opens', () => {
    const error = thrown(() => readCsv('h1,h2\nok,row\n"hunter2-secret,\nmore\n'));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/line 3/);
    expect(error.message).not.toMatch(/hunter2|more/);
  });

  it('reads back whatever an RFC 4180 writer produced, fields and lines', () => {
    const field = fc.string({ unit: fc.constantFrom('a', '微', ',', '"', '\n', '\r', '\r\n', ' ', 'z', '1'), maxLength: 8 });
    const rows = fc.array(fc.tuple(fc.array(fc.tuple(field, fc.boolean()), { minLength: 1, maxLength: 5 }), fc.constantFrom('\n', '\r\n')), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(rows, fc.boolean(), fc.boolean(), (table, bom, finalNewline) => {
      let text = bom ? '\uFEFF' : '';
      const expected: { line: number; fields: string[] }[] = [];
      table.forEach(([cells, eol], index) => {
        const line = 1 + (text.match(/\r\n|\r|\n/g)?.length ?? 0);
        const mustQuote = (v: string) => /[",\r\n]/.test(v) || (cells.length === 1 && v === '');
        text += cells.map(([v, quote]) => (quote || mustQuote(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
        if (index < table.length - 1 || finalNewline) text += eol;
        expected.push({ line, fields: cells.map(([v]) => v) });
      });
      expect(readCsv(text)).toEqual(expected);
    }), { numRuns: 1000 });
  });
});

describe('Bitwarden JSON', () => {
  const exportJson = JSON.stringify({
    encrypted: false,
    folders: [{ id: 'f1', name: '新媒体' }],
    items: [
      {
        id: 'a', folderId: 'f1', type: 1, reprompt: 0, name: '微博-宣传科', notes: '官方微博，宣传科负责', favorite: false, fields: [],
        login: { uris: [{ match: null, uri: 'https://weibo.com' }, { match: null, uri: 'https://m.weibo.com' }], username: 'xck@example.gov.cn', password: 'Wb#2024-secret', totp: `otpauth://totp/Weibo:xck?secret=${SEED}&issuer=Weibo` },
      },
      { id: 'b', type: 2, name: '值班表', notes: '周末值班', secureNote: { type: 0 } },
      { id: 'c', type: 1, name: '  ', login: { username: 'nobody', password: 'pw-no-name' } },
      { id: 'd', type: 1, name: '抖音-政务号', login: { username: 'dy', password: 'dy-secret', totp: 'NOT-A-SEED-1' } },
      { id: 'e', type: 1, name: '微信公众号-办公室', notes: null, login: { username: 'bgs', password: 'wx-secret', totp: 'jbsw y3dp ehpk 3pxp', uris: null } },
      { id: 'f', type: 3, name: '公务卡', card: {} },
      'not an item',
      { id: 'g', type: 1, name: 42, login: {} },
      { id: 'h', type: 1, name: '快手-政务号' },
    ],
  });

  it('keeps the good logins and reports the rest by item index', () => {
    const report = parseBitwardenJson(exportJson);
    expect(report.items).toEqual([
      { line: 1, name: '微博-宣传科', loginId: 'xck@example.gov.cn', password: 'Wb#2024-secret', totp: { ...TOTP, issuer: 'Weibo', account: 'xck' }, notes: '官方微博，宣传科负责', uri: 'https://weibo.com' },
      { line: 5, name: '微信公众号-办公室', loginId: 'bgs', password: 'wx-secret', totp: TOTP },
      { line: 9, name: '快手-政务号' },
    ]);
    expect(english(report.errors)).toEqual([
      { line: 2, reason: 'skipped: a secure note, not a login' },
      { line: 3, reason: 'missing name' },
      { line: 4, reason: expect.stringMatching(/^bad TOTP: /) },
      { line: 6, reason: 'skipped: a card, not a login' },
      { line: 7, reason: 'the item is not an object' },
      { line: 8, reason: 'name is not text' },
    ]);
    expectNoSecretsIn(report, ['dy-secret', 'NOT-A-SEED', 'pw-no-name']);
  });

  it('throws only when the whole file is unusable, without quoting it', () => {
    const notJson = thrown(() => parseBitwardenJson('{"items": [{"password": "hunter2-secret", }]}'));
    expect(notJson.code).toBe('INVALID_INPUT');
    expect(notJson.message).not.toContain('hunter2');
    expect(thrown(() => parseBitwardenJson('[]')).message).toMatch(/no items list/);
    expect(thrown(() => parseBitwardenJson('{"encrypted": true, "data": "2.abc"}')).message).toMatch(/encrypted/);
    expect(parseBitwardenJson('\uFEFF{"items": []}')).toEqual({ items: [], errors: [] });
  });
});

describe('Bitwarden CSV', () => {
  const header = 'folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp';
  const csv = [
    `\uFEFF${header}`,
    `宣传科,1,login,微博-宣传科,"主账号, 勿删\r\n第二行",,0,"https://weibo.com,https://m.weibo.com",xck@example.gov.cn,"Pa""ss,word",${SEED}`,
    ',,note,值班说明,"只是一条笔记",,,,,,',
    ',,login,,,,0,https://example.com,nobody,pw-no-name,',
    ',,login,抖音-政务号,,,0,https://douyin.com,dy,dy-secret,12345',
    ',,login,快手-政务号,,,0,https://kuaishou.com,ks,ks-secret',
    '',
    ',,login,B站-政务号,,,0,,bili,"bili pw ",',
    ',,login,头条"号,,,0,,tt,tt-secret,',
    ',,card,公务卡,,,0,,,,',
  ].join('\r\n') + '\r\n';

  it('keeps the good rows and reports malformed ones with their physical line', () => {
    const report = parseBitwardenCsv(csv);
    expect(report.items).toEqual([
      { line: 2, name: '微博-宣传科', loginId: 'xck@example.gov.cn', password: 'Pa"ss,word', totp: TOTP, notes: '主账号, 勿删\r\n第二行', uri: 'https://weibo.com' },
      { line: 9, name: 'B站-政务号', loginId: 'bili', password: 'bili pw ' },
    ]);
    expect(english(report.errors)).toEqual([
      { line: 4, reason: 'skipped: a secure note, not a login' },
      { line: 5, reason: 'missing name' },
      { line: 6, reason: expect.stringMatching(/^bad TOTP: .*base32/) },
      { line: 7, reason: 'expected 11 fields, found 10' },
      { line: 10, reason: 'malformed CSV: field 4 has a quote but is not quoted' },
      { line: 11, reason: 'unknown type (expected login or note)' },
    ]);
    expectNoSecretsIn(report, ['dy-secret', 'ks-secret', 'pw-no-name', 'tt-secret', '12345']);
  });

  it('accepts organization and pre-reprompt headers', () => {
    const org = 'collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"新媒体,宣传",login,微博-宣传科,,,0,https://weibo.com,xck,pw,\n';
    expect(parseBitwardenCsv(org).items).toEqual([{ line: 2, name: '微博-宣传科', loginId: 'xck', password: 'pw', uri: 'https://weibo.com' }]);
    const old = 'folder,favorite,type,name,notes,fields,login_uri,login_username,login_password,login_totp\n,,login,抖音-政务号,,,https://douyin.com,dy,pw,\n';
    expect(parseBitwardenCsv(old).items).toEqual([{ line: 2, name: '抖音-政务号', loginId: 'dy', password: 'pw', uri: 'https://douyin.com' }]);
  });

  it('throws for a file that is not a Bitwarden CSV, without echoing its cells', () => {
    expect(thrown(() => parseBitwardenCsv('')).message).toMatch(/empty/);
    const wrong = thrown(() => parseBitwardenCsv('"Group","Title","Username","Password","URL","Notes"\n'));
    expect(wrong.message).toMatch(/no "type" column/);
    const headerless = thrown(() => parseBitwardenCsv(',,login,微博,,,0,https://weibo.com,xck,hunter2-secret,\n'));
    expect(headerless.message).not.toContain('hunter2');
    expect(thrown(() => parseBitwardenCsv(`${header}\n,,login,"unterminated,,,\n`)).message).toMatch(/line 2/);
  });
});

describe('KeePassXC CSV', () => {
  const title = encodeURIComponent('微博-宣传科');
  const totpUri = `otpauth://totp/${title}:xck?secret=${SEED2}&period=30&digits=6&issuer=${title}`;
  const csv = [
    '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
    `"Root/新媒体","微博-宣传科","xck","p@ss ""quoted""","https://weibo.com","多行\n备注","${totpUri}","0","2024-05-01T08:00:00Z","2023-01-01T08:00:00Z"`,
    '"Root/新媒体","抖音-政务号","dy","dy-secret","","","","0","2024-05-01T08:00:00Z","2023-01-01T08:00:00Z"',
    '"Root/Recycle Bin","旧账号","old","old-secret","","","","0","",""',
    '"Root/回收站/子组","旧账号2","old","old-secret","","","","0","",""',
    '"Root/新媒体","","nobody","pw-no-name","","","","0","",""',
    `"Root/新媒体","快手-政务号","ks","ks-secret","","","otpauth://hotp/KS?secret=${SEED}&counter=1","0","",""`,
    '"Root/新媒体","B站","bili","bili-secret","","",""',
  ].join('\n') + '\n';

  it('keeps the good entries, skips the recycle bin and reports bad rows by line', () => {
    const report = parseKeepassxcCsv(csv);
    expect(report.items).toEqual([
      { line: 2, name: '微博-宣传科', loginId: 'xck', password: 'p@ss "quoted"', uri: 'https://weibo.com', notes: '多行\n备注', totp: { secret: SEED2, algorithm: 'sha1', digits: 6, period: 30, issuer: '微博-宣传科', account: 'xck' } },
      { line: 4, name: '抖音-政务号', loginId: 'dy', password: 'dy-secret' },
    ]);
    expect(english(report.errors)).toEqual([
      { line: 5, reason: 'skipped: the entry is in the recycle bin' },
      { line: 6, reason: 'skipped: the entry is in the recycle bin' },
      { line: 7, reason: 'missing name' },
      { line: 8, reason: expect.stringMatching(/^bad TOTP: .*HOTP/) },
      { line: 9, reason: 'expected 10 fields, found 7' },
    ]);
    expectNoSecretsIn(report, ['ks-secret', 'pw-no-name', 'bili-secret', SEED]);
  });

  it('reads exports from before the TOTP column', () => {
    const old = '"Group","Title","Username","Password","URL","Notes"\r\n"Root","小红书-政务号","xhs","pw","https://www.xiaohongshu.com",""\r\n';
    expect(parseKeepassxcCsv(old)).toEqual({ items: [{ line: 2, name: '小红书-政务号', loginId: 'xhs', password: 'pw', uri: 'https://www.xiaohongshu.com' }], errors: [] });
  });

  it('throws for a Bitwarden file', () => {
    expect(thrown(() => parseKeepassxcCsv('folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n')).message).toMatch(/no "Group" column/);
  });
});

describe('otpauth lists', () => {
  it('reads one URI per line, skipping comments and blank lines', () => {
    const text = [
      '# 从验证器导出',
      `otpauth://totp/Weibo:xck%40gov.cn?secret=${SEED}&issuer=Weibo`,
      '',
      `otpauth://hotp/X?secret=${SEED}&counter=0`,
      'JBSWY3DPEHPK3PXP',
      `otpauth://totp/?secret=${SEED}`,
      `  otpauth://totp/${encodeURIComponent('抖音')}:dy?secret=${SEED2}&algorithm=SHA256&digits=8  `,
      `otpauth://totp/x?secret=${SEED}1`,
    ].join('\r\n');
    const report = parseOtpauthList(text);
    expect(report.items).toEqual([
      { line: 2, name: 'Weibo:xck@gov.cn', loginId: 'xck@gov.cn', totp: { ...TOTP, issuer: 'Weibo', account: 'xck@gov.cn' } },
      { line: 7, name: '抖音:dy', loginId: 'dy', totp: { secret: SEED2, algorithm: 'sha256', digits: 8, period: 30, issuer: '抖音', account: 'dy' } },
    ]);
    expect(english(report.errors)).toEqual([
      { line: 4, reason: expect.stringMatching(/HOTP/) },
      { line: 5, reason: 'not an otpauth:// URI' },
      { line: 6, reason: 'missing name (the URI has neither label nor issuer)' },
      { line: 8, reason: expect.stringMatching(/alphabet/) },
    ]);
    expectNoSecretsIn(report, [SEED, SEED2]);
  });
});

describe('dispatch', () => {
  it('names every format and routes to its parser', () => {
    expect(IMPORT_FORMATS).toEqual(['bitwarden-json', 'bitwarden-csv', 'keepassxc-csv', 'otpauth']);
    expect(parseImport('otpauth', `otpauth://totp/a:b?secret=${SEED}`).items).toHaveLength(1);
    expect(parseImport('bitwarden-json', '{"items":[]}')).toEqual({ items: [], errors: [] });
  });

  it('never throws anything but GmvError, whatever the bytes', () => {
    fc.assert(fc.property(fc.constantFrom(...IMPORT_FORMATS), fc.string({ unit: 'binary', maxLength: 300 }), (format, text) => {
      try {
        const report = parseImport(format, text);
        for (const item of report.items) expect(item.name.trim()).not.toBe('');
      } catch (error) {
        expect(error).toBeInstanceOf(GmvError);
      }
    }), { numRuns: 500 });
  });
});
