/**
 * The verifier against an attacker with write access to the database, on both dialects: any
 * change, deletion, swap or truncation of entries is detected and the first bad entry is named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { dialects } from '../helpers/dialects.js';
import { makeVault, appendSample } from '../helpers/vault-fixture.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import type { Vault } from '../../src/services/vault.js';
import { leafHash } from '../../src/audit/merkle.js';
import { GmvError } from '../../src/errors.js';
import type { AuditEntriesTable } from '../../src/store/schema.js';

type Row = AuditEntriesTable;
type Mutation =
  | { kind: 'edit-body'; seq: number; rehash: boolean }
  | { kind: 'edit-column'; seq: number }
  | { kind: 'delete'; seq: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'blank-body'; seq: number };

describe.each(dialects())('audit verifier on %s', (dialect) => {
  let vault: Vault;
  let pristine: Row[];
  const total = 24;

  beforeAll(async () => {
    ({ vault } = await makeVault(dialect));
    await appendSample(vault, total - 4, 5);
    pristine = await vault.store.db.selectFrom('audit_entries').selectAll().orderBy('seq').execute();
  });
  afterAll(async () => vault.store.close());

  const orgKeyText = async () => (await vault.store.db.selectFrom('org_keys').select('public_key').executeTakeFirstOrThrow()).public_key;
  const verify = async () => verifyAuditLog(vault.store.reader, { vaultId: vault.vaultId, orgKey: await orgKeyText() });

  async function restore(): Promise<void> {
    await vault.store.db.deleteFrom('audit_entries').execute();
    await vault.store.db.insertInto('audit_entries').values(pristine).execute();
  }

  async function apply(m: Mutation): Promise<number> {
    const db = vault.store.db;
    const row = (seq: number) => pristine[seq]!;
    switch (m.kind) {
      case 'edit-body': {
        const body = JSON.parse(row(m.seq).body!);
        body.details = { ...body.details, forged: true };
        const text = JSON.stringify(body);
        await db.updateTable('audit_entries').set({ body: text, ...(m.rehash ? { leaf_hash: leafHash(Buffer.from(text)).toString('hex') } : {}) }).where('seq', '=', m.seq).execute();
        return m.seq;
      }
      case 'edit-column':
        await db.updateTable('audit_entries').set({ actor: 'somebody.else' }).where('seq', '=', m.seq).execute();
        return m.seq;
      case 'delete':
        await db.deleteFrom('audit_entries').where('seq', '=', m.seq).execute();
        return m.seq;
      case 'swap': {
        const [a, b] = [row(m.a), row(m.b)];
        await db.updateTable('audit_entries').set({ ...b, seq: m.a }).where('seq', '=', m.a).execute();
        await db.updateTable('audit_entries').set({ ...a, seq: m.b }).where('seq', '=', m.b).execute();
        return Math.min(m.a, m.b);
      }
      case 'truncate':
        await db.deleteFrom('audit_entries').where('seq', '>=', m.keep).execute();
        return m.keep;
      case 'blank-body':
        await db.updateTable('audit_entries').set({ body: null }).where('seq', '=', m.seq).execute();
        return m.seq;
    }
  }

  it('accepts the untouched log', async () => {
    const report = await verify();
    expect(report).toMatchObject({ entries: total, unsignedTail: 0 });
    expect(report.checkpoints).toBeGreaterThanOrEqual(5);
  });

  it('detects every mutation and never names an entry after the first one changed', async () => {
    const seq = fc.integer({ min: 0, max: total - 1 });
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant('edit-body' as const), seq, rehash: fc.boolean() }),
      fc.record({ kind: fc.constant('edit-column' as const), seq }),
      fc.record({ kind: fc.constant('delete' as const), seq }),
      fc.record({ kind: fc.constant('swap' as const), a: seq, b: seq }).filter((m) => m.a !== m.b),
      fc.record({ kind: fc.constant('truncate' as const), keep: fc.integer({ min: 0, max: total - 1 }) }),
      fc.record({ kind: fc.constant('blank-body' as const), seq }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        try {
          const first = await apply(m);
          const error = await verify().then(() => null, (e: unknown) => e);
          expect(error, JSON.stringify(m)).toBeInstanceOf(GmvError);
          expect((error as GmvError).code).toBe('AUDIT_TAMPERED');
          expect(Number((error as GmvError).params.seq)).toBeLessThanOrEqual(first);
          if (m.kind === 'edit-column' || (m.kind === 'edit-body' && !m.rehash) || m.kind === 'blank-body') {
            expect((error as GmvError).params.seq).toBe(first);
          }
        } finally {
          await restore();
        }
      }),
      { numRuns: 40 },
    );
    await expect(verify()).resolves.toMatchObject({ entries: total });
  });

  it('an attacker who holds the device key can recompute and re-sign the whole log, but not fool an older exported checkpoint', async () => {
    const db = vault.store.db;
    const orgKey = await orgKeyText();
    const old = await db.selectFrom('audit_checkpoints').select('body').orderBy('tree_size', 'desc').executeTakeFirstOrThrow();
    const auditorCopy = JSON.parse(old.body);
    const savedCheckpoints = await db.selectFrom('audit_checkpoints').selectAll().execute();
    try {
      // Rewrite entry #6 and rebuild everything derivable from it, as an insider with the terminal's key could.
      const body = JSON.parse(pristine[6]!.body!);
      body.actor = 'nobody';
      const { canonicalJson } = await import('../../src/domain/canonical.js');
      const text = canonicalJson(body);
      await db.updateTable('audit_entries').set({ body: text, actor: 'nobody', leaf_hash: leafHash(Buffer.from(text)).toString('hex') }).where('seq', '=', 6).execute();
      await db.deleteFrom('audit_checkpoints').execute();
      await sql`delete from audit_tree`.execute(db);
      const { MerkleAccumulator } = await import('../../src/audit/merkle.js');
      const rows = await db.selectFrom('audit_entries').select('leaf_hash').orderBy('seq').execute();
      const tree = new MerkleAccumulator();
      for (const r of rows) tree.append(Buffer.from(r.leaf_hash, 'hex'));
      await db.insertInto('audit_tree').values({ id: 1, size: tree.size, frontier: JSON.stringify(tree.peaks().map((p) => p.toString('hex'))) }).execute();
      const { writeCheckpoint, keySigner } = await import('../../src/audit/log.js');
      const { deviceSigner, terminalDevice } = await import('../../src/services/vault.js');
      const signer = (await deviceSigner(vault, terminalDevice(vault)))!;
      await writeCheckpoint(db, { vaultId: vault.vaultId, deviceId: null, now: () => new Date() }, keySigner(signer));

      // Without outside evidence the forgery is self-consistent...
      await expect(verify()).resolves.toMatchObject({ entries: total });
      // ...but the auditor's older checkpoint exposes it.
      const error = await verifyAuditLog(vault.store.reader, { vaultId: vault.vaultId, orgKey, since: auditorCopy }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GmvError);
      expect((error as GmvError).code).toBe('CHECKPOINT_INCONSISTENT');

      // With every checkpoint deleted as well, the log has no signature of its own left: the
      // auditor's checkpoint still speaks first; without it, the missing signatures are reported.
      await db.deleteFrom('audit_checkpoints').execute();
      await expect(verifyAuditLog(vault.store.reader, { vaultId: vault.vaultId, orgKey, since: auditorCopy })).rejects.toMatchObject({ code: 'CHECKPOINT_INCONSISTENT' });
      await expect(verify()).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', params: { detail: 'detail.noCheckpoint' } });
    } finally {
      await restore();
      await db.deleteFrom('audit_checkpoints').execute();
      for (const cp of savedCheckpoints) {
        const { id: _id, ...rest } = cp;
        await db.insertInto('audit_checkpoints').values(rest).execute();
      }
    }
  });
});
