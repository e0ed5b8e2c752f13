/**
 * Threat: the newest entries are cut from the audit log together with the checkpoints that signed
 * them, leaving an older, self-consistent log that verifies in every mode.
 *
 * Attacker's position: write access to the vault database (SQLite file or the shared PostgreSQL
 * role), no key at all. They delete the newest entries and every checkpoint after an earlier one and
 * rebuild the tree frontier; or keep the entries but drop the checkpoints and rewrite an entry.
 *
 * What must hold: a terminal that saw the later checkpoint refuses the vault, both `gmv audit
 * verify` and its next write, with exit 6 (AUDIT_ROLLED_BACK), and writes nothing. (A terminal that
 * never saw it cannot tell: that is what `gmv audit witness` is for, see audit-witness.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { leafHex, rawDb, recomputeFrontier, type RawDb } from '../helpers/raw-db.js';
import { canonicalJson } from '../../src/domain/canonical.js';

describe.each(dialects())('a log cut back to an older checkpoint on %s', (dialect) => {
  let box: Sandbox;
  let db: RawDb;
  let exports = 0;

  const officerWrites = () => gmv(['audit', 'checkpoint', 'export', '--out', join(box.dir, `export-${exports++}`), '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
  const verify = (env: Record<string, string>) => gmv(['audit', 'verify', '--json'], { env });
  const count = async (table: string) => Number((await db.all<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n);

  beforeEach(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    // Entries #0–#3 (init, checkpoint of size 4), then two exports: checkpoints of size 5 and 6.
    for (let i = 0; i < 2; i++) expect((await officerWrites()).code).toBe(0);
    db = await rawDb(box.target);
  });
  afterEach(async () => {
    await db.close();
  });

  it('entries and checkpoints after size 4 deleted: this terminal\'s verify and next write exit 6', async () => {
    await db.run('delete from audit_entries where seq >= 4');
    await db.run('delete from audit_checkpoints where tree_size > 4');
    await recomputeFrontier(db);

    const result = await verify(box.env);
    expect(result.code, result.stdout).toBe(6);
    const error = JSON.parse(result.stdout).error;
    expect(error).toMatchObject({ code: 'AUDIT_ROLLED_BACK', exit: 6 });
    expect(error.message).toMatch(/size 6/);
    expect(error.message).toMatch(/only 4 entries/);

    const entries = await count('audit_entries');
    const write = await officerWrites();
    expect(write.code, write.stderr).toBe(6);
    expect(JSON.parse(write.stdout).error.code).toBe('AUDIT_ROLLED_BACK');
    expect(await count('audit_entries')).toBe(entries);

    // A terminal that never saw the later checkpoints has nothing to compare with.
    expect((await verify(otherTerminal(box, 'fresh').env)).code).toBe(0);
  });

  it('checkpoints after size 4 deleted and a now-unsigned entry rewritten: exit 6', async () => {
    await db.run('delete from audit_checkpoints where tree_size > 4');
    const [row] = await db.all<{ body: string }>('select body from audit_entries where seq = 4');
    const body = { ...JSON.parse(row!.body), details: { dir: '/nowhere' } };
    const text = canonicalJson(body);
    await db.run('update audit_entries set body = ?, leaf_hash = ? where seq = 4', [text, leafHex(text)]);
    await recomputeFrontier(db);

    const result = await verify(box.env);
    expect(result.code, result.stdout).toBe(6);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'AUDIT_ROLLED_BACK', exit: 6 });
    const write = await officerWrites();
    expect(write.code, write.stderr).toBe(6);
    expect(JSON.parse(write.stdout).error.code).toBe('AUDIT_ROLLED_BACK');
  });

  it('the untouched vault still verifies and accepts writes (the refusals above are the attack\'s)', async () => {
    expect((await verify(box.env)).code).toBe(0);
    expect((await officerWrites()).code).toBe(0);
    expect(JSON.parse((await verify(box.env)).stdout)).toMatchObject({ ok: true, entries: 7, unsignedTail: 0 });
  });
});
