/**
 * Threat: guessing a passphrase in parallel to get past the lock-out.
 *
 * Attacker's position: at zhang.wei's authorized terminal (the device key file is there), knows his
 * login handle, not his passphrase. The policy allows 5 failures. Instead of guessing one after the
 * other, they start ten `gmv login` processes at once: each checked the failure count before any of
 * them had failed, so each went on to test its guess. Later they start the right passphrase while
 * the person is locked, hoping it slips in before the running guesses are counted.
 *
 * What must hold: an attempt is counted and decided under the vault's write lock before the key
 * derivation runs, so of ten parallel guesses exactly five test a passphrase and the other five are
 * refused as locked; the person is locked once, with one `auth.locked` entry; the right passphrase
 * during the lock starts no session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';
const LOCKED = 'Error: zhang.wei is locked after 5 failed logins. A security officer can unlock them with: gmv staff unlock zhang.wei\n';

describe.each(dialects())('ten parallel guesses against a limit of five on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;

  beforeAll(async () => {
    box = await sandbox(dialect);
    const policy = join(box.dir, 'policy.yaml');
    writeFileSync(policy, readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8')
      .replace(/max_failures: \d+/, 'max_failures: 5').replace(/backoff_seconds: \d+/, 'backoff_seconds: 0'));
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

  const attempt = (passphrase: string) => gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: passphrase });
  const reasons = async () => (await audit(box.env, 'auth.failed')).filter((e) => e.actor === 'zhang.wei').map((e) => e.details.reason as string);
  const locked = async () => parse<{ person: { locked: boolean } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.locked;

  it('only five of ten parallel guesses test a passphrase; the rest are refused as locked', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(`parallel-guess-${i}-xxxx-yyyy`)));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(5);
      expect(r.stdout).toBe('');
    }
    const seen = await reasons();
    expect(seen.filter((r) => r === 'wrong passphrase')).toHaveLength(5);
    expect(seen.filter((r) => r === 'locked')).toHaveLength(5);
    expect(seen).toHaveLength(10);
    expect(await audit(box.env, 'auth.locked')).toMatchObject([{ actor: 'zhang.wei', details: { failures: 5 } }]);
    expect(results.filter((r) => r.stderr === LOCKED).length).toBeGreaterThanOrEqual(6);
    expect(await locked()).toBe(true);
  });

  it('the right passphrase while parallel guesses are still running logs nobody in', async () => {
    expect((await gmv(['staff', 'unlock', 'zhang.wei'], { env: box.env })).code).toBe(0);
    const before = (await reasons()).length;
    const guesses = Promise.all(Array.from({ length: 9 }, (_, i) => attempt(`second-wave-${i}-xxxx-yyyy`)));
    // Wait until the vault shows him locked (the running guesses have used up the allowance), then
    // type the right passphrase.
    const deadline = Date.now() + 30_000;
    while (!(await locked()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const right = await attempt(ZHANG_PASSPHRASE);
    const wrong = await guesses;
    expect(right.code).toBe(5);
    expect(right.stderr).toBe(LOCKED);
    for (const r of wrong) expect(r.code).toBe(5);
    expect((await gmv(['whoami'], { env: zhang.env })).code).toBe(5);
    expect((await audit(box.env, 'session.login')).filter((e) => e.actor === 'zhang.wei')).toEqual([]);
    const seen = (await reasons()).slice(before);
    expect(seen.filter((r) => r === 'wrong passphrase')).toHaveLength(5);
    expect(seen).toHaveLength(10);
    expect(await locked()).toBe(true);
  });
});
