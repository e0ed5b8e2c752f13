/**
 * Bulk inserts (store/batches.ts#insertMany) write every row exactly as given on both stores: on
 * PostgreSQL the rows travel as one array per column and are unnested by the server, so quoting
 * inside array literals (quotes, backslashes, braces, commas, the word NULL) must not change a value,
 * a null must stay null, and more rows than one statement holds must all arrive, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dialects } from '../helpers/dialects.js';
import { makeVault } from '../helpers/vault-fixture.js';
import type { Vault } from '../../src/services/vault.js';
import { insertMany, ROWS_PER_STATEMENT } from '../../src/store/batches.js';

const TRICKY = ['', 'NULL', 'null', '"', '\\', '\\"', '{}', '{a,b}', 'a,b', ' padded ', "it's", '沈阳发布', 'emoji 😀', 'line\nbreak', 'tab\there', '(x)'];
const text = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'grapheme', maxLength: 40 }));

describe.each(dialects())('insertMany on %s', (dialect) => {
  let vault: Vault;
  beforeAll(async () => {
    ({ vault } = await makeVault(dialect));
  });
  afterAll(async () => vault.store.close());

  const roundTrip = async (rows: { crl_number: number; pem: string; this_update: string; next_update: string }[]) => {
    const db = vault.store.db;
    try {
      await insertMany(db, 'crls', rows);
      return (await db.selectFrom('crls').selectAll().where('crl_number', '>=', 1_000_000).orderBy('crl_number').execute())
        .map((r) => ({ ...r, crl_number: Number(r.crl_number) }));
    } finally {
      await db.deleteFrom('crls').where('crl_number', '>=', 1_000_000).execute();
    }
  };

  it('writes any text exactly, row for row', async () => {
    await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.tuple(fc.integer({ min: 1_000_000, max: 2_000_000_000 }), text, text, text), { selector: (r) => r[0], minLength: 1, maxLength: 12 }), async (tuples) => {
      const rows = tuples.map(([crl_number, pem, this_update, next_update]) => ({ crl_number, pem, this_update, next_update }));
      expect(await roundTrip(rows)).toEqual([...rows].sort((a, b) => a.crl_number - b.crl_number));
    }), { numRuns: 40 });
  });

  it('writes more rows than one statement holds', async () => {
    const rows = Array.from({ length: ROWS_PER_STATEMENT * 2 + 7 }, (_, i) => ({ crl_number: 1_000_000 + i, pem: TRICKY[i % TRICKY.length]!, this_update: `u${i}`, next_update: `n${i}` }));
    expect(await roundTrip(rows)).toEqual(rows);
  });

  it('keeps a null a null in a column null in every row, beside typed values', async () => {
    const db = vault.store.db;
    const person = Number((await db.selectFrom('people').select('id').executeTakeFirstOrThrow()).id);
    await db.deleteFrom('login_throttle').where('person_id', '=', person).execute();
    try {
      await insertMany(db, 'login_throttle', [{ person_id: person, failures: 2, last_failure_at: '2026-12-08T04:00:00.000Z', locked_at: null }]);
      const row = await db.selectFrom('login_throttle').selectAll().where('person_id', '=', person).executeTakeFirstOrThrow();
      expect({ ...row, failures: Number(row.failures) }).toMatchObject({ failures: 2, last_failure_at: '2026-12-08T04:00:00.000Z', locked_at: null });
    } finally {
      await db.deleteFrom('login_throttle').where('person_id', '=', person).execute();
    }
  });

  it('a column null in the first rows and set in later ones keeps both', async () => {
    const db = vault.store.db;
    const person = Number((await db.selectFrom('people').select('id').executeTakeFirstOrThrow()).id);
    const wrap = (i: number, personId: number | null) => ({
      item_kind: 'org-key', account_id: null, item_ref: `insert-many-${i}`, item_version: 1, recipient: personId === null ? 'recovery' as const : 'person' as const,
      person_id: personId, key_fingerprint: 'F'.repeat(40), wrapped: `w${i}`, created_at: '2026-12-08T04:00:00.000Z', revoked_at: null, revoked_reason: null,
    });
    try {
      await insertMany(db, 'wraps', [wrap(0, null), wrap(1, null), wrap(2, person)]);
      const rows = await db.selectFrom('wraps').select(['item_ref', 'person_id', 'revoked_at']).where('item_ref', 'like', 'insert-many-%').orderBy('item_ref').execute();
      expect(rows.map((r) => [r.item_ref, r.person_id === null ? null : Number(r.person_id), r.revoked_at])).toEqual([
        ['insert-many-0', null, null], ['insert-many-1', null, null], ['insert-many-2', person, null],
      ]);
    } finally {
      await db.deleteFrom('wraps').where('item_ref', 'like', 'insert-many-%').execute();
    }
  });

  it('refuses rows that leave a column out, on either store, before writing any', async () => {
    const db = vault.store.db;
    const rows = [{ crl_number: 1_000_001, pem: 'a', this_update: 'u', next_update: 'n' }, { crl_number: 1_000_002, pem: 'b', this_update: 'u' }];
    await expect(insertMany(db, 'crls', rows as never)).rejects.toThrow(/every row of crls must give/);
    expect(await db.selectFrom('crls').select('crl_number').where('crl_number', '>=', 1_000_000).execute()).toEqual([]);
  });
});
