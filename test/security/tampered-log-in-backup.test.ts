/**
 * Threat: a backup that is genuine but holds a tampered audit log.
 *
 * Attacker's position: write access to the vault database before a security officer makes a
 * backup (the officer's signature then vouches for the tampered rows: it says who made the
 * backup, not that the log in it is sound). They rewrite an entry's body, or a filterable column
 * (actor) that `gmv audit log --actor` searches, leaving the body as it was.
 *
 * What must hold: `gmv backup restore` verifies the audit log of what it loaded before anything is
 * put in place, so it exits 6 with BACKUP_INVALID naming the audit failure, and
 * writes nothing (no vault, no scratch file), onto SQLite as onto PostgreSQL: a restore that
 * verified less than `gmv audit verify` does would let these through.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshPostgresUrl, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';
import { rawDb } from '../helpers/raw-db.js';
import { canonicalJson } from '../../src/domain/canonical.js';

describe.each(dialects())('a backup of a tampered log, from %s', (dialect) => {
  let box: Sandbox;
  let dir: string;
  beforeAll(async () => {
    box = await sandbox(dialect);
    dir = mkdtempSync(join(tmpdir(), 'gmv-tampered-backup-'));
    await initVault(box.env);
    const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(login.code, login.stderr).toBe(0);
  });
  afterAll(async () => {
    await lockAll(undefined, [box?.env]);
  });

  /** Tamper with one column of one entry, back the vault up (the officer signs), put the value back. */
  async function backupOf(name: string, seq: number, column: 'body' | 'actor', change: (value: string | null) => string | null): Promise<string> {
    const db = await rawDb(box.target);
    const file = join(dir, `${name}.gmvbak`);
    const [row] = await db.all<Record<string, string | null>>(`select ${column} as value from audit_entries where seq = ?`, [seq]);
    try {
      await db.run(`update audit_entries set ${column} = ? where seq = ?`, [change(row!.value ?? null), seq]);
      const made = await gmv(['backup', 'create', '--out', file], { env: box.env });
      expect(made.code, made.stderr).toBe(0);
    } finally {
      await db.run(`update audit_entries set ${column} = ? where seq = ?`, [row!.value, seq]);
      await db.close();
    }
    return file;
  }

  const cases: [string, number, 'body' | 'actor', (value: string | null) => string | null][] = [
    // Entry #1's body given one more detail (still canonical JSON), its stored leaf hash left as it was: only the tree catches it.
    ['body', 1, 'body', (body) => canonicalJson((({ details, ...rest }) => ({ ...rest, details: { ...details, forged: true } }))(JSON.parse(body!)))],
    // Entry #2's actor changed, its body (and so the tree) untouched: only the row check catches it.
    ['actor', 2, 'actor', () => 'zhang.wei'],
  ];

  it.each(cases)('refuses a backup whose log has an entry\'s %s changed, onto SQLite and PostgreSQL, and writes nothing', async (name, seq, column, change) => {
    const file = await backupOf(name, seq, column, change);
    for (const to of [join(dir, `${name}.db`), await freshPostgresUrl()]) {
      const r = await gmv(['backup', 'restore', file, '--to', to, '--recovery-key', join(box.dir, 'recovery.asc'), '--json'], { env: box.env });
      expect(r.code, r.stderr).toBe(6);
      const error = JSON.parse(r.stdout).error as { code: string; message: string };
      expect(error.code).toBe('BACKUP_INVALID');
      expect(error.message).toContain('its audit log does not verify');
      expect(error.message).toContain('AUDIT_TAMPERED');
      if (!to.startsWith('postgres')) expect(existsSync(to), 'a vault was left').toBe(false);
      expect(readdirSync(dir).filter((f) => f.includes('.restoring')), 'a scratch file was left').toEqual([]);
    }
    // The vault itself, untampered again, still backs up and restores.
    const good = join(dir, `${name}-after.gmvbak`);
    expect((await gmv(['backup', 'create', '--out', good], { env: box.env })).code).toBe(0);
    const restored = await gmv(['backup', 'restore', good, '--to', join(dir, `${name}-after.db`), '--recovery-key', join(box.dir, 'recovery.asc'), '--json'], { env: box.env });
    expect(restored.code, restored.stderr).toBe(0);
  });
});
