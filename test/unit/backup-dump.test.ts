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
