/**
 * Fault or attack: the vault's schema rows (gmv_migrations) say an older version than this gmv's —
 * a vault written by an older gmv, or a newer vault whose newest migration rows were deleted (a
 * "downgrade"). Before, `gmv audit verify` ran the migrations first: a write, by the one command
 * an auditor runs to look without touching, and on a downgraded vault it crashed with exit 1.
 * Expected: verify opens the store read-only, never migrates, and reports SCHEMA_OUTDATED (exit 10)
 * with the next step, leaving the vault byte for byte as it was; a writing command on a downgraded
 * vault (tables newer than their rows say) refuses with SCHEMA_MISMATCH (exit 6) and changes nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { downgradeWrapsToSchema4 } from '../helpers/old-schemas.js';
import { lockAll } from '../helpers/session-helpers.js';
import { SCHEMA_VERSION } from '../../src/store/schema-version.js';

describe.each(dialects())('audit verify never writes (%s)', (dialect) => {
  const boxes: Sandbox[] = [];
  afterAll(() => lockAll(undefined, boxes.map((b) => b.env)));

  async function vault(): Promise<Sandbox> {
    const box = await sandbox(dialect);
    boxes.push(box);
    await initVault(box.env);
    return box;
  }

  /** What a write would change: the SQLite file's bytes, or every migration row and table on PostgreSQL. */
  async function fingerprint(box: Sandbox): Promise<string> {
    if (box.target.kind === 'sqlite') {
      await directSql(box, ['pragma wal_checkpoint(truncate)']);
      return createHash('sha256').update(readFileSync(box.target.path)).digest('hex');
    }
    const rows = await directSql(box, [`select (select string_agg(version::text || name, ',' order by version) from gmv_migrations)
      || '|' || (select string_agg(table_name, ',' order by table_name) from information_schema.tables where table_schema = current_schema())
      || '|' || (select count(*) from audit_entries) as f`]);
    return String(rows[0]!.f);
  }

  const version = async (box: Sandbox) => Number(Object.values((await directSql(box, ['select max(version) as v from gmv_migrations']))[0]!)[0]);

  it('on a vault of the previous schema: exit 10 SCHEMA_OUTDATED, nothing upgraded; after any other command it verifies', async () => {
    const box = await vault();
    const { openStore } = await import('../../src/store/store.js');
    const store = await openStore(box.target, { mode: 'open' });
    await downgradeWrapsToSchema4(store);
    await store.close();
    const before = await fingerprint(box);

    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(10);
    const error = JSON.parse(verify.stdout).error;
    expect(error.code).toBe('SCHEMA_OUTDATED');
    expect(error.message).toContain(`schema version 4; this gmv reads version ${SCHEMA_VERSION}`);
    expect(error.message).toContain('gmv account list');
    expect(await fingerprint(box)).toBe(before);
    expect(await version(box)).toBe(4);

    expect((await gmv(['account', 'list'], { env: box.env })).code).toBe(0);
    expect(await version(box)).toBe(SCHEMA_VERSION);
    const again = await gmv(['audit', 'verify'], { env: box.env });
    expect(again.code, again.stderr).toBe(0);
  });

  it('on a downgraded vault (newest migration rows deleted): verify exit 10 untouched, a write exit 6 SCHEMA_MISMATCH', async () => {
    const box = await vault();
    await directSql(box, [`delete from gmv_migrations where version = ${SCHEMA_VERSION}`]);
    const before = await fingerprint(box);

    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(10);
    expect(JSON.parse(verify.stdout).error.code).toBe('SCHEMA_OUTDATED');
    expect(await fingerprint(box)).toBe(before);

    const list = await gmv(['account', 'list', '--json'], { env: box.env });
    expect(list.code, list.stderr).toBe(6);
    expect(JSON.parse(list.stdout).error.code).toBe('SCHEMA_MISMATCH');
    expect(list.stderr).not.toMatch(/internal error/i);
    expect(await fingerprint(box)).toBe(before);
  });

  it('on a current vault: verify leaves the file as it was', async () => {
    const box = await vault();
    const before = await fingerprint(box);
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
    expect(await fingerprint(box)).toBe(before);
  });
});
