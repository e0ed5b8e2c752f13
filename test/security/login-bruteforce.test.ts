/**
 * Threat: guessing a person's passphrase.
 *
 * Attacker's position: sits at zhang.wei's authorized terminal (an unlocked office, a stolen
 * laptop: the device key file is there) and knows his login handle, but not his passphrase. They
 * run `gmv login` over and over with guesses, and eventually type the right passphrase (learned
 * later, or guessed) while the person is locked or throttled.
 *
 * What must hold: after the policy's max_failures wrong passphrases the person is locked (exit 5,
 * with the `gmv staff unlock` hint); while locked, even the right passphrase is refused with the
 * same answer; only a security officer's `gmv staff unlock` restores login. With a back-off, a try
 * inside the waiting window is refused before the passphrase is examined ("wait N s"): it neither
 * counts as a guess nor reveals whether it was right. Every refusal is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse, audit } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';

function policyFile(dir: string, maxFailures: number, backoff: number): string {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8')
    .replace(/max_failures: \d+/, `max_failures: ${maxFailures}`).replace(/backoff_seconds: \d+/, `backoff_seconds: ${backoff}`);
  const path = join(dir, `policy-${maxFailures}-${backoff}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** A vault with the officer logged in and zhang.wei approved on his own terminal. */
async function setup(dialect: 'sqlite' | 'postgres', maxFailures: number, backoff: number): Promise<{ box: Sandbox; zhang: Sandbox; deviceFile: string }> {
  const box = await sandbox(dialect);
  await initVault(box.env, ['--policy', policyFile(box.dir, maxFailures, backoff)]);
  const zhang = otherTerminal(box, 'zhang');
  expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
  expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
  const enrolled = parse<{ code: string; deviceFile: string }>(await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: ZHANG_PASSPHRASE }));
  expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
  return { box, zhang, deviceFile: enrolled.deviceFile };
}

const attempt = (zhang: Sandbox, passphrase: string) => gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: passphrase });

const LOCKED = 'Error: zhang.wei is locked after 3 failed logins. A security officer can unlock them with: gmv staff unlock zhang.wei\n';
const FAILED = 'Error: Authentication failed for zhang.wei: wrong passphrase or a device this person is not enrolled on. The attempt was recorded in the audit log.\n';

describe.each(dialects())('lock-out after failed logins on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;

  beforeAll(async () => {
    ({ box, zhang } = await setup(dialect, 3, 0));
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhang?.env]);
  });

  const reasons = async () => (await audit(box.env, 'auth.failed')).filter((e) => e.actor === 'zhang.wei').map((e) => e.details.reason);

  it('a successful login resets the count of failures', async () => {
    for (let i = 0; i < 2; i++) expect((await attempt(zhang, `guess-number-${i}-xxxx`)).stderr).toBe(FAILED);
    expect((await attempt(zhang, ZHANG_PASSPHRASE)).code).toBe(0);
    expect((await gmv(['lock'], { env: zhang.env })).code).toBe(0);
    expect(parse<{ person: { locked: boolean } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.locked).toBe(false);
    expect(await reasons()).toEqual(['wrong passphrase', 'wrong passphrase']);
  });

  it('max_failures wrong passphrases lock the person (5, with the gmv staff unlock hint)', async () => {
    const first = await attempt(zhang, 'guess-one-aaaa-bbbb');
    const second = await attempt(zhang, 'guess-two-aaaa-bbbb');
    const third = await attempt(zhang, 'guess-three-aaaa-bbbb');
    for (const r of [first, second, third]) {
      expect(r.code).toBe(5);
      expect(r.stdout).toBe('');
    }
    expect(first.stderr).toBe(FAILED);
    expect(second.stderr).toBe(FAILED);
    expect(third.stderr).toBe(LOCKED);
    const json = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: 'guess-four-aaaa-bbbb' });
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'AUTH_LOCKED', exit: 5 } });

    expect(await reasons()).toEqual(['wrong passphrase', 'wrong passphrase', 'wrong passphrase', 'wrong passphrase', 'wrong passphrase', 'locked']);
    expect((await audit(box.env, 'auth.locked'))).toMatchObject([{ actor: 'zhang.wei', subject: 'zhang.wei', outcome: 'denied', details: { failures: 3 } }]);
    expect(parse<{ person: { locked: boolean; status: string } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env }))).toMatchObject({ person: { locked: true, status: 'active' } });
    expect((await gmv(['staff', 'list'], { env: box.env })).stdout).toMatch(/zhang\.wei\s.*active \(locked\)/);
    expect((await gmv(['staff', 'show', 'zhang.wei'], { env: box.env })).stdout).toContain('  status: active (locked after failed logins)\n');
  });

  it('while locked, even the right passphrase is refused with the same answer, and no session starts', async () => {
    const logins = (await audit(box.env, 'session.login')).filter((e) => e.actor === 'zhang.wei' && e.outcome === 'ok').length;
    const right = await attempt(zhang, ZHANG_PASSPHRASE);
    const wrong = await attempt(zhang, 'guess-five-aaaa-bbbb');
    expect(right.code).toBe(5);
    expect(right.stderr).toBe(LOCKED);
    expect(wrong.stderr).toBe(right.stderr);
    expect((await gmv(['whoami'], { env: zhang.env })).code).toBe(5);
    expect((await audit(box.env, 'session.login')).filter((e) => e.actor === 'zhang.wei' && e.outcome === 'ok')).toHaveLength(logins);
    expect((await reasons()).slice(-2)).toEqual(['locked', 'locked']);
  });

  it('only a security officer unlocks: gmv staff unlock restores login', async () => {
    // zhang.wei cannot unlock himself: he has no session, and could not get one.
    const self = await gmv(['staff', 'unlock', 'zhang.wei'], { env: zhang.env });
    expect(self.code).toBe(5);
    expect(parse<{ person: { locked: boolean } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.locked).toBe(true);

    const unknown = await gmv(['staff', 'unlock', 'nobody'], { env: box.env });
    expect(unknown.code).toBe(3);

    const unlocked = await gmv(['staff', 'unlock', 'zhang.wei'], { env: box.env });
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toBe('zhang.wei can log in again.\n');
    expect(await audit(box.env, 'person.unlock')).toMatchObject([{ actor: 'li.an', subject: 'zhang.wei', outcome: 'ok', details: { was_locked: true } }]);
    expect(parse<{ person: { locked: boolean } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.locked).toBe(false);

    const login = await attempt(zhang, ZHANG_PASSPHRASE);
    expect(login.code, login.stderr).toBe(0);
    expect(parse(await gmv(['whoami', '--json'], { env: zhang.env }))).toMatchObject({ login: 'zhang.wei' });
    // A non-officer's session cannot unlock anyone either.
    const byEditor = await gmv(['staff', 'unlock', 'li.an'], { env: zhang.env });
    expect(byEditor.code).toBe(4);
    expect(byEditor.stderr).toContain('Denied: staff.unlock needs the role security-officer; zhang.wei does not have it.');
    expect((await gmv(['lock'], { env: zhang.env })).code).toBe(0);
  });
});

describe.each(dialects())('back-off after a failed login on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;
  let deviceFile: string;

  beforeAll(async () => {
    ({ box, zhang, deviceFile } = await setup(dialect, 5, 30));
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhang?.env]);
  });

  it('inside the window every try is refused with "wait N s" before the passphrase is examined', async () => {
    const first = await attempt(zhang, 'guess-one-aaaa-bbbb');
    expect(first.code).toBe(5);
    expect(first.stderr).toBe(FAILED);

    // The right passphrase: refused, with the time left.
    const right = await attempt(zhang, ZHANG_PASSPHRASE);
    expect(right.code).toBe(5);
    const wait = /^Error: Too many failed logins for zhang\.wei: wait (\d+) s before trying again\.\n$/.exec(right.stderr);
    expect(wait, right.stderr).not.toBeNull();
    expect(Number(wait![1])).toBeGreaterThan(15);
    expect(Number(wait![1])).toBeLessThanOrEqual(30);
    const json = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: ZHANG_PASSPHRASE });
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'AUTH_THROTTLED', exit: 5 } });

    // A wrong guess gets the same answer and is not counted: the passphrase was never tried.
    const wrong = await attempt(zhang, 'guess-two-aaaa-bbbb');
    expect(wrong.stderr).toMatch(/^Error: Too many failed logins for zhang\.wei: wait \d+ s before trying again\.\n$/);

    // The decision comes before this terminal's device key is even read (the key derivation needs
    // it): with the key file moved away, the answer is still "wait", not "no device key".
    renameSync(deviceFile, `${deviceFile}.away`);
    try {
      const noKey = await attempt(zhang, ZHANG_PASSPHRASE);
      expect(noKey.code).toBe(5);
      expect(noKey.stderr).toMatch(/wait \d+ s before trying again/);
    } finally {
      renameSync(`${deviceFile}.away`, deviceFile);
    }

    expect((await gmv(['whoami'], { env: zhang.env })).code).toBe(5);
    const failed = (await audit(box.env, 'auth.failed')).filter((e) => e.actor === 'zhang.wei');
    expect(failed.map((e) => e.details.reason)).toEqual(['wrong passphrase', 'wait', 'wait', 'wait', 'wait']);
    expect(parse<{ person: { locked: boolean } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.locked).toBe(false);
  });
});

describe.each(dialects())('the back-off passes on %s', (dialect) => {
  it('after the shipped policy\'s 2 s wait, the right passphrase logs in', async () => {
    const box = await sandbox(dialect);
    await initVault(box.env);
    try {
      const wrong = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: `${OFFICER_PASSPHRASE}-nope` });
      expect(wrong.code).toBe(5);
      await new Promise((r) => setTimeout(r, 2500));
      const right = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
      expect(right.code, right.stderr).toBe(0);
    } finally {
      await lockAll(box.dir, [box.env]);
    }
  });
});
