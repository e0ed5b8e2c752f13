/**
 * Threat: guessing a passphrase without limit by deleting the throttle state.
 *
 * Attacker's position: can write the vault database (the SQLite file, or the PostgreSQL
 * credentials every user of a shared vault has) and sits at zhang.wei's terminal. After each few
 * wrong guesses they run `delete from login_throttle`, hoping the count starts again.
 *
 * What must hold: the count is the signed log's (every counted guess is an audit entry, only a
 * signed reset starts it again), so deleting the row gives no guess back: the lock-out stays, the
 * right passphrase is still refused, and a partial count carries on where it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { lockAll, parse, audit } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';
const LOCKED = 'Error: zhang.wei is locked after 3 failed logins. A security officer can unlock them with: gmv staff unlock zhang.wei\n';
const FAILED = 'Error: Authentication failed for zhang.wei: wrong passphrase or a device this person is not enrolled on. The attempt was recorded in the audit log.\n';

describe.each(dialects())('deleting login_throttle rows on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;
  const attempt = (passphrase: string) => gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: passphrase });
  const forgetThrottle = () => directSql(box, ['delete from login_throttle']);

  beforeAll(async () => {
    box = await sandbox(dialect);
    const policy = join(box.dir, 'policy-3.yaml');
    writeFileSync(policy, readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8')
      .replace(/max_failures: \d+/, 'max_failures: 3').replace(/backoff_seconds: \d+/, 'backoff_seconds: 0'));
    await initVault(box.env, ['--policy', policy]);
    zhang = otherTerminal(box, 'zhang');
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
    const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: ZHANG_PASSPHRASE }));
    expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhang?.env]);
  });

  it('a lock-out survives the deleted row: the right passphrase is still refused and no session starts', async () => {
    for (const guess of ['guess-one-aaaa-bbbb', 'guess-two-aaaa-bbbb']) expect((await attempt(guess)).stderr).toBe(FAILED);
    expect((await attempt('guess-three-aaaa-bbbb')).stderr).toBe(LOCKED);
    await forgetThrottle();
    const right = await attempt(ZHANG_PASSPHRASE);
    expect(right.code).toBe(5);
    expect(right.stderr).toBe(LOCKED);
    expect((await gmv(['whoami'], { env: zhang.env })).code).toBe(5);
    expect((await audit(box.env, 'session.login')).filter((e) => e.actor === 'zhang.wei')).toHaveLength(0);
    // The officer's listings say so too: the lock-out is read from the log, not from the row.
    expect(parse<{ person: { locked: boolean } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.locked).toBe(true);
  });

  it('a partial count carries on after the row is deleted, and a signed success resets it', async () => {
    expect((await gmv(['staff', 'unlock', 'zhang.wei'], { env: box.env })).code).toBe(0);
    for (const guess of ['guess-four-aaaa-bbbb', 'guess-five-aaaa-bbbb']) expect((await attempt(guess)).stderr).toBe(FAILED);
    await forgetThrottle();
    expect((await attempt('guess-six-aaaa-bbbb')).stderr).toBe(LOCKED);
    await forgetThrottle();
    expect((await attempt(ZHANG_PASSPHRASE)).stderr).toBe(LOCKED);

    expect((await gmv(['staff', 'unlock', 'zhang.wei'], { env: box.env })).code).toBe(0);
    expect((await attempt('guess-seven-aaaa-bbbb')).stderr).toBe(FAILED);
    const login = await attempt(ZHANG_PASSPHRASE);
    expect(login.code, login.stderr).toBe(0);
    expect(await audit(box.env, 'auth.reset')).toMatchObject([{ actor: 'zhang.wei', subject: 'zhang.wei', outcome: 'ok', details: { failures: 1 } }]);
    expect((await gmv(['lock'], { env: zhang.env })).code).toBe(0);
    // After the reset two guesses are still allowed before the lock, row or no row.
    for (const guess of ['guess-eight-aaaa-bbbb', 'guess-nine-aaaa-bbbb']) {
      expect((await attempt(guess)).stderr).toBe(FAILED);
      await forgetThrottle();
    }
    expect((await attempt('guess-ten-aaaa-bbbb')).stderr).toBe(LOCKED);
  });
});
