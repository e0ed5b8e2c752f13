/**
 * Attacker: can write the database (the SQLite file, or a shared vault's PostgreSQL credentials)
 * and knows an officer's passphrase, but not their TOTP seed. With plain SQL they delete the
 * officer's `mfa_totp` row, or set it back to pending, hoping `gmv login` then asks for the
 * passphrase alone.
 *
 * Expected: the refusal comes at the door, not only from `gmv audit verify`: the signed log
 * enrolled a second factor the table no longer has, so the login exits 6 naming the table and the
 * row, starts no session, and the refusal is in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { audit, lockAll } from '../helpers/session-helpers.js';

describe.each(dialects())('a second factor removed outside gmv on %s', (dialect) => {
  let box: Sandbox;
  let seed: string;
  let backup: Record<string, unknown>[];
  const login = () => gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
  const MISMATCH = 'Error: Integrity failure: table mfa_totp, row li.an: second factor enrolled in the log, missing from the table.';

  beforeAll(async () => {
    box = await sandbox(dialect);
    // No back-off: the refused login below counts as an attempt, and the next one follows at once.
    const policy = join(box.dir, 'policy.yaml');
    writeFileSync(policy, readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8').replace(/backoff_seconds: \d+/, 'backoff_seconds: 0'));
    await initVault(box.env, ['--policy', policy]);
    expect((await login()).code).toBe(0);
    const enroll = JSON.parse((await gmv(['mfa', 'enroll', '--json'], { env: box.env })).stdout) as { uri: string };
    seed = new URL(enroll.uri).searchParams.get('secret')!;
    const { generateSync } = await import('otplib');
    expect((await gmv(['mfa', 'enroll', '--confirm', '--totp-file', '-'], { env: box.env, input: generateSync({ secret: seed }) })).code).toBe(0);
    expect((await gmv(['lock'], { env: box.env })).code).toBe(0);
    backup = await directSql(box, ['select * from mfa_totp']);
    expect(backup).toHaveLength(1);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('a deleted mfa_totp row does not make the login passphrase-only: exit 6 at the door, audited', async () => {
    await directSql(box, ['delete from mfa_totp']);
    const r = await login();
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(MISMATCH);
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(5);
    const refusals = (await audit(box.env, 'auth.totp')).filter((e) => e.details.rule === 'state-mismatch');
    expect(refusals).toMatchObject([{ actor: 'li.an', subject: 'li.an', outcome: 'denied', details: { table: 'mfa_totp' } }]);
  });

  it('an active row set back to pending is refused the same way', async () => {
    const row = backup[0]!;
    const cols = Object.keys(row);
    const value = (v: unknown) => (v === null ? 'null' : typeof v === 'number' || typeof v === 'bigint' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
    await directSql(box, [`insert into mfa_totp (${cols.join(', ')}) values (${cols.map((c) => (c === 'status' ? "'pending'" : value(row[c]))).join(', ')})`]);
    const r = await login();
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(MISMATCH);
  });
});
