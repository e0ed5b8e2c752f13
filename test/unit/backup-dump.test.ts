/**
 * The backup's SQL is read back by gmv's own strict parser, never executed: whatever rows gmv
 * writes (quotes, semicolons, newlines, "--", any Unicode) come back exactly, however the
 * decrypted stream is cut into chunks; the manifest's hash covers every byte before it; and text
 * gmv would not have written is refused.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { DUMP_MARKERS, DumpParser, DumpSyntaxError, FOOTER_SQL, createTableSql, headerLines, insertSql, type DumpColumn, type DumpValue } from '../../src/domain/backup-dump.js';
import { GmvError } from '../../src/errors.js';
import { render, type MessageKey } from '../../src/i18n/catalogue.js';

const columns: DumpColumn[] = [{ name: 'id', type: 'integer' }, { name: 'body', type: 'text' }, { name: 'note', type: 'text' }];
const value = (type: DumpColumn['type']) => type === 'integer'
  ? fc.oneof(fc.constant(null), fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }))
  : fc.oneof(fc.constant(null), fc.string({ unit: 'grapheme' }), fc.constantFrom("'", "''", ';\n', "');\nDROP TABLE x;--", '\n', 'NULL', '(1,2)'));
const row = fc.tuple(...columns.map((c) => value(c.type))) as fc.Arbitrary<DumpValue[]>;

function dumpText(batches: DumpValue[][][]): { text: string; content: string } {
  let content = headerLines('{"format":"gmv-backup/1"}') + createTableSql('t', columns, ['id']);
  for (const rows of batches) content += insertSql('t', columns, rows);
  content += FOOTER_SQL;
  return { content, text: `${content}${DUMP_MARKERS.manifest}{"m":1}\n${DUMP_MARKERS.signature}QUJD\n` };
}

/** The dump's bytes fed in pieces cut anywhere, inside a character's UTF-8 bytes too. */
function parseInChunks(text: string, cuts: number[]) {
  const bytes = Buffer.from(text, 'utf8');
  const parser = new DumpParser();
  const events = [];
  let at = 0;
  for (const cut of [...cuts.map((c) => Math.floor(c * bytes.length)).sort((a, b) => a - b), bytes.length]) {
    events.push(...parser.push(bytes.subarray(at, Math.max(at, cut))));
    at = Math.max(at, cut);
  }
  parser.end();
  return { events, parser };
}

describe('the backup dump', () => {
  it('round-trips any rows through any chunking, and hashes exactly the bytes before the manifest', () => {
    fc.assert(fc.property(fc.array(fc.array(row, { minLength: 1, maxLength: 8 }), { maxLength: 4 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), (batches, cuts) => {
      const { text, content } = dumpText(batches);
      const { events, parser } = parseInChunks(text, cuts);
      const rows = events.flatMap((e) => (e.kind === 'rows' ? e.rows : []));
      expect(rows).toEqual(batches.flat());
      expect(parser.contentSha256).toBe(createHash('sha256').update(content, 'utf8').digest('hex'));
      expect(events.find((e) => e.kind === 'manifest')).toMatchObject({ json: '{"m":1}', offset: Buffer.byteLength(content) });
      expect(events.at(-1)).toEqual({ kind: 'signature', base64: 'QUJD' });
    }), { numRuns: 300 });
  });

  it('reads the same rows when the bytes come a few at a time (a statement end, a quote or a character split across pieces)', () => {
    fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 7 }), (rows, size) => {
      const { text } = dumpText([rows]);
      const bytes = Buffer.from(text, 'utf8');
      const parser = new DumpParser();
      const events = [];
      for (let at = 0; at < bytes.length; at += size) events.push(...parser.push(bytes.subarray(at, at + size)));
      parser.end();
      expect(events.flatMap((e) => (e.kind === 'rows' ? e.rows : []))).toEqual(rows);
    }), { numRuns: 200 });
  });

  it('refuses what gmv would not write', () => {
    const { text } = dumpText([[[1, 'a', null]]]);
    const bad = [
      text.replace('INSERT INTO "t"', 'DELETE FROM "t";\nINSERT INTO "t"'),
      text.replace("(1,'a',NULL)", "(1,'a')"),
      text.replace("(1,'a',NULL)", "('1','a',NULL)"),
      text.replace('"body" text', '"body" blob'),
      text.replace('-- gmv-manifest', '-- gmv-manifesto'),
      text.replace(`${DUMP_MARKERS.signature}QUJD\n`, ''),
      `${text}extra`,
      text.slice(0, text.length - 20),
    ];
    for (const b of bad) expect(() => parseInChunks(b, []), b.slice(-60)).toThrow(DumpSyntaxError);
  });
});

describe('a refused backup in the reader\'s language', () => {
  const refusal = (text: string): GmvError => {
    try {
      parseInChunks(text, []);
    } catch (error) {
      if (!(error instanceof DumpSyntaxError)) throw error;
      // As backup-restore.ts passes it on: the key and its parameters, not the English text.
      return new GmvError('BACKUP_INVALID', { ...error.params, path: 'x.gmvbak', detail: error.detail });
    }
    throw new Error('the dump was not refused');
  };

  it('names what gmv would not write in Chinese for a zh-CN reader, and in the same English as before', () => {
    const { text } = dumpText([[[1, 'a', null]]]);
    const integer = refusal(text.replace("(1,'a',NULL)", "('1','a',NULL)"));
    expect(integer.message).toBe('The backup x.gmvbak does not verify: a string in integer column id at row 1. Nothing was restored or kept.');
    expect(integer.localized('zh-CN')).toBe('备份 x.gmvbak 未通过验证：整数列 id 中出现字符串（第 1 行数据）。未恢复也未保留任何内容。');
    const cases: [string, string, string][] = [
      [text.replace('INSERT INTO "t"', 'DELETE FROM "t";\nINSERT INTO "t"'), 'a statement gmv did not write: DELETE FROM "t"', '有一条不是 gmv 写出的语句：DELETE FROM "t"'],
      [text.replace("(1,'a',NULL)", "(1,'a')"), 'expected a comma at row 1', '此处应为逗号（第 1 行数据）'],
      [text.replace('"body" text', '"body" blob'), 'a table definition gmv did not write: t', '有一条不是 gmv 写出的表定义：t'],
      [text.replace('-- gmv-manifest', '-- gmv-manifesto'), 'the manifest is missing', '缺少清单'],
      [text.replace(`${DUMP_MARKERS.signature}QUJD\n`, ''), 'the backup ends before its signature', '备份在其签名之前就结束了'],
      [`${text}extra`, 'there is text after the signature', '签名之后还有多余的内容'],
    ];
    for (const [bad, english, chinese] of cases) {
      const error = refusal(bad);
      expect(error.message, english).toContain(`does not verify: ${english}.`);
      const zh = error.localized('zh-CN');
      expect(zh, english).toContain(`未通过验证：${chinese}。`);
      // No English sentence left inside the Chinese: only the echoed statement, table and SQL words.
      expect(zh.replace(/DELETE FROM "t"|gmv|x\.gmvbak/g, ''), english).not.toMatch(/[A-Za-z]{3,}/);
    }
  });

  it('renders the details of backup, checkpoint and audit errors in Chinese with their parameters', () => {
    const zh = (key: MessageKey, params: Record<string, string | number>) => render(key, params, 'zh-CN');
    const fpr = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
    expect(zh('error.BACKUP_INVALID', { path: 'b.gmvbak', detail: 'detail.backupTableCount', table: 'people', count: 3, claimed: 4 }))
      .toBe('备份 b.gmvbak 未通过验证：表 people 有 3 行，清单记载为 4 行。未恢复也未保留任何内容。');
    expect(zh('error.BACKUP_INVALID', { path: 'b.gmvbak', detail: 'detail.backupSignatureBad', signer: fpr })).toContain(`其由 ${fpr} 所作的签名未通过验证`);
    expect(zh('error.BACKUP_INVALID', { path: 'b.gmvbak', detail: 'detail.backupOrgNotPinned', pinned: fpr })).toContain(`其组织密钥不是您固定的密钥（${fpr}）`);
    expect(zh('error.BACKUP_INVALID', { path: 'b.gmvbak', detail: 'detail.backupAuditFails', code: 'AUDIT_TAMPERED' })).toContain('其审计日志未通过验证（AUDIT_TAMPERED）');
    expect(zh('error.INVALID_INPUT', { what: '--org-key', detail: 'detail.pinUnreadable' })).toBe('--org-key 无效：它不是 OpenPGP 公钥。');
    expect(render('error.INVALID_INPUT', { what: '--org-key', detail: 'detail.pinUnreadable' }, 'en')).toBe('Invalid --org-key: it is not an OpenPGP public key.');
    expect(zh('error.INVALID_INPUT', { what: 'what.recoveryShares', detail: 'share checksum does not match' })).toMatch(/^恢复密钥分片 无效：/);
    expect(zh('error.AUDIT_TREE_CORRUPT', { detail: 'detail.treeSize', recorded: 7, entries: 9 })).toContain('已损坏：它记录了 7 条记录，而日志中有 9 条。');
    expect(zh('error.INPUT_TOO_LARGE', { path: 'w.json', limit: '1 MiB', what: 'what.witnessRecord' })).toContain('gmv 读取见证记录的上限');
    expect(zh('error.DEVICE_NOT_AUTHORIZED', { device: 'd1', reason: 'detail.witnessKeyUncertified' })).toContain('未获授权：其密钥不是本保险库中有效且经认证的设备密钥。');
    expect(zh('error.STATE_MISMATCH', { table: 'person_keys', row: `li.an ${fpr}`, detail: 'detail.personKeyCertSignature', count: 1 })).toContain('：其认证不是组织密钥对其记录的签名。');
    expect(zh('error.DEVICE_KEY_MISMATCH', { path: 'dev.json', detail: 'detail.deviceFileVault', vault: 'v-2' })).toContain('（保险库 v-2）');
  });
});
