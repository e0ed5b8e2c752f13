/**
 * The verifier ties every entry's filterable columns to its hashed body inside the database (one
 * SQL pass, a fast form and an exact form). It must never raise a false alarm on unusual but
 * genuine values, and must catch any changed column, including a change to the JSON-escaped text
 * of the genuine value (the trap of comparing without quoting).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dialects } from '../helpers/dialects.js';
import { makeVault } from '../helpers/vault-fixture.js';
import { commitChange, type Vault } from '../../src/services/vault.js';
import { firstColumnMismatch } from '../../src/audit/column-check.js';
import { verifyAudit } from '../../src/services/audit-verify.js';

const TRICKY = ['say "hi"', 'back\\slash', 'line\nbreak', 'tab\tand\u0001control', '沈阳发布-微博', 'emoji 😀', 'sep\u2028x', "it's", '\\"', '"', 'end\\', 'del\u007f'];

describe.each(dialects())('audit columns against bodies on %s', (dialect) => {
  let vault: Vault;
  let first: number;

  beforeAll(async () => {
    ({ vault } = await makeVault(dialect));
    first = Number((await vault.store.db.selectFrom('audit_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    await commitChange(vault, async () => ({
      result: undefined,
      audit: TRICKY.map((text, i) => ({ action: 'test.columns', actor: i % 3 === 0 ? null : text, subject: i % 4 === 0 ? null : text, outcome: 'ok' as const, details: { i } })),
    }));
  });
  afterAll(async () => vault.store.close());

  const setColumn = (seq: number, column: 'actor' | 'subject' | 'action' | 'at' | 'outcome', value: string | null) =>
    vault.store.db.updateTable('audit_entries').set({ [column]: value }).where('seq', '=', seq).execute();

  it('accepts genuine entries whatever characters their columns hold', async () => {
    expect(await firstColumnMismatch(vault.store.reader, vault.vaultId)).toBeNull();
    await expect(verifyAudit(vault.store.reader, {})).resolves.toMatchObject({ entries: first + TRICKY.length });
  });

  it('catches a column set to the escaped JSON text of its genuine value', async () => {
    for (const [i, text] of TRICKY.entries()) {
      const escaped = JSON.stringify(text).slice(1, -1);
      if (escaped === text || i % 4 === 0) continue;
      const seq = first + i;
      await setColumn(seq, 'subject', escaped);
      try {
        expect(await firstColumnMismatch(vault.store.reader, vault.vaultId), text).toBe(seq);
        await expect(verifyAudit(vault.store.reader, {})).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', params: { seq, detail: 'detail.columnsChanged' } });
      } finally {
        await setColumn(seq, 'subject', text);
      }
    }
  });

  it('catches any other value in any filterable column', async () => {
    const seq = fc.integer({ min: 0, max: first + TRICKY.length - 1 });
    const column = fc.constantFrom('actor' as const, 'subject' as const, 'action' as const, 'at' as const, 'outcome' as const);
    // Values a column can hold: no NUL (PostgreSQL text cannot), no lone surrogate (UTF-8 cannot).
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s), { nil: null });
    await fc.assert(
      fc.asyncProperty(seq, column, value, async (s, c, v) => {
        const row = await vault.store.db.selectFrom('audit_entries').selectAll().where('seq', '=', s).executeTakeFirstOrThrow();
        const original = row[c];
        if (v === original || (v === null && (c === 'action' || c === 'at' || c === 'outcome'))) return;
        await setColumn(s, c, v);
        try {
          expect(await firstColumnMismatch(vault.store.reader, vault.vaultId)).toBe(s);
        } finally {
          await setColumn(s, c, original);
        }
      }),
      { numRuns: 60 },
    );
    expect(await firstColumnMismatch(vault.store.reader, vault.vaultId)).toBeNull();
  });

  it('refuses to write a column that could not read back exactly', async () => {
    for (const subject of ['nul\u0000byte', 'lone \ud800 surrogate']) {
      await expect(commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'test.columns', actor: null, subject, outcome: 'ok' as const }] }))).rejects.toThrow(/cannot be stored/);
    }
    expect(await firstColumnMismatch(vault.store.reader, vault.vaultId)).toBeNull();
  });
});
