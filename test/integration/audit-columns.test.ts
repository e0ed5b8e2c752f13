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
import { sql } from 'kysely';
import { firstRowProblem } from '../../src/audit/column-check.js';
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
    expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toBeNull();
    await expect(verifyAudit(vault.store.reader, {})).resolves.toMatchObject({ entries: first + TRICKY.length });
  });

  it('catches a column set to the escaped JSON text of its genuine value', async () => {
    for (const [i, text] of TRICKY.entries()) {
      const escaped = JSON.stringify(text).slice(1, -1);
      if (escaped === text || i % 4 === 0) continue;
      const seq = first + i;
      await setColumn(seq, 'subject', escaped);
      try {
        expect(await firstRowProblem(vault.store.reader, vault.vaultId), text).toEqual({ seq, detail: 'detail.columnsChanged' });
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
    const value = fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ minLength: 100, maxLength: 400 })).filter((s) => !s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s), { nil: null });
    await fc.assert(
      fc.asyncProperty(seq, column, value, async (s, c, v) => {
        const row = await vault.store.db.selectFrom('audit_entries').selectAll().where('seq', '=', s).executeTakeFirstOrThrow();
        const original = row[c];
        if (v === original || (v === null && (c === 'action' || c === 'at' || c === 'outcome'))) return;
        await setColumn(s, c, v);
        try {
          expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toEqual({ seq: s, detail: 'detail.columnsChanged' });
        } finally {
          await setColumn(s, c, original);
        }
      }),
      { numRuns: 60 },
    );
    expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toBeNull();
  });

  it('refuses to write a column that could not read back exactly', async () => {
    for (const subject of ['nul\u0000byte', 'lone \ud800 surrogate']) {
      await expect(commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'test.columns', actor: null, subject, outcome: 'ok' as const }] }))).rejects.toThrow(/cannot be stored/);
    }
    expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toBeNull();
  });

  // Found by review: each passed the first version of the database-side check.
  it('catches a value that makes the expected suffix one character longer than the body', async () => {
    const seq = first + 1;
    const row = await vault.store.db.selectFrom('audit_entries').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
    const tail = (subject: string) => `,"outcome":"${row.outcome}","seq":${seq},"subject":"${subject}","v":1,"vault":${JSON.stringify(vault.vaultId)}}`;
    const subject = 'x'.repeat(row.body!.length + 1 - tail('').length);
    expect(tail(subject).length).toBe(row.body!.length + 1);
    await setColumn(seq, 'subject', subject);
    try {
      expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toEqual({ seq, detail: 'detail.columnsChanged' });
    } finally {
      await setColumn(seq, 'subject', row.subject);
    }
  });

  it('catches a body moved into the leaf hash column (to pass as pruned) with its columns changed', async () => {
    const seq = first + 2;
    const row = await vault.store.db.selectFrom('audit_entries').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
    await vault.store.db.updateTable('audit_entries').set({ leaf_hash: row.body!, body: null, actor: 'mallory' }).where('seq', '=', seq).execute();
    try {
      expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toEqual({ seq, detail: 'detail.prunedHashMalformed' });
      await expect(verifyAudit(vault.store.reader, {})).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', params: { seq } });
    } finally {
      await vault.store.db.updateTable('audit_entries').set({ leaf_hash: row.leaf_hash, body: row.body, actor: row.actor }).where('seq', '=', seq).execute();
    }
  });

  it('catches a column turned into a pattern that would match its genuine value (% and _)', async () => {
    const seq = first + 5;
    const row = await vault.store.db.selectFrom('audit_entries').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
    const genuine = row.subject!;
    for (const pattern of [`${genuine.slice(0, 2)}%`, `_${genuine.slice(1)}`, '%']) {
      await setColumn(seq, 'subject', pattern);
      try {
        expect(await firstRowProblem(vault.store.reader, vault.vaultId), pattern).toEqual({ seq, detail: 'detail.columnsChanged' });
      } finally {
        await setColumn(seq, 'subject', genuine);
      }
    }
  });

  it.runIf(dialect === 'sqlite')('catches a column stored as a BLOB (it would drop out of filters)', async () => {
    const seq = first + 1;
    for (const column of ['actor', 'at', 'action', 'body']) {
      await sql`update audit_entries set ${sql.ref(column)} = cast(${sql.ref(column)} as blob) where seq = ${seq}`.execute(vault.store.db);
      try {
        expect(await firstRowProblem(vault.store.reader, vault.vaultId), column).toEqual({ seq, detail: 'detail.columnsChanged' });
        await expect(verifyAudit(vault.store.reader, {}), column).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', params: { seq } });
      } finally {
        await sql`update audit_entries set ${sql.ref(column)} = cast(${sql.ref(column)} as text) where seq = ${seq}`.execute(vault.store.db);
      }
    }
    expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toBeNull();
  });

  it.runIf(dialect === 'postgres')('catches a NULL in a column whose NOT NULL constraint was dropped', async () => {
    const seq = first + 3;
    const row = await vault.store.db.selectFrom('audit_entries').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
    await sql`alter table audit_entries alter column action drop not null`.execute(vault.store.db);
    await sql`update audit_entries set action = null where seq = ${seq}`.execute(vault.store.db);
    try {
      expect(await firstRowProblem(vault.store.reader, vault.vaultId)).toEqual({ seq, detail: 'detail.columnsChanged' });
    } finally {
      await sql`update audit_entries set action = ${row.action} where seq = ${seq}`.execute(vault.store.db);
      await sql`alter table audit_entries alter column action set not null`.execute(vault.store.db);
    }
  });
});
