/**
 * Threat: a one-time code is replayed.
 *
 * Attacker's position: sits at the security officer's authorized terminal (a shared office PC) and
 * knows the officer's passphrase (keylogger, shoulder-surfing). The officer has a TOTP second
 * factor; the attacker sees a code the officer just typed (over the shoulder, or relayed by a
 * phishing page) and types it again while it is still inside its 30-second step, or guesses codes.
 *
 * What must hold: with TOTP active the passphrase alone never logs in; a code is accepted once,
 * so the same code (including the one used to confirm the enrollment) is refused the second time
 * within its step; a wrong code is refused; each refusal exits 5, starts no session (an existing
 * one is left alone) and is recorded as an `auth.totp` denial.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { generateSync } from 'otplib';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse, audit } from '../helpers/session-helpers.js';

const PERIOD = 30;
const stepOf = (ms: number) => Math.floor(ms / 1000 / PERIOD);

function policyFile(dir: string): string {
  // No back-off: each refusal below is the TOTP check itself, not throttling.
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8')
    .replace(/max_failures: \d+/, 'max_failures: 50').replace(/backoff_seconds: \d+/, 'backoff_seconds: 0');
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, text);
  return path;
}

describe.each(dialects())('replayed TOTP on %s', (dialect) => {
  let box: Sandbox;
  let passFile: string;
  let secret: string;
  let confirmCode: string;
  let confirmStep: number;

  const code = (ms: number) => generateSync({ secret, algorithm: 'sha1', digits: 6, period: PERIOD, epoch: Math.floor(ms / 1000) });
  const login = (totp: string) => gmv(['login', '--login', 'li.an', '--passphrase-file', passFile, '--totp-file', '-'], { env: box.env, input: `${totp}\n` });
  const okLogins = async () => (await audit(box.env, 'session.login')).filter((e) => e.outcome === 'ok').length;
  const totpDenials = async () => (await audit(box.env, 'auth.totp')).filter((e) => e.outcome === 'denied');

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env, ['--policy', policyFile(box.dir)]);
    passFile = join(box.dir, 'officer.pass');
    writeFileSync(passFile, OFFICER_PASSPHRASE);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', passFile], { env: box.env })).code).toBe(0);
    const started = parse<{ status: string; uri: string }>(await gmv(['mfa', 'enroll', '--json'], { env: box.env }));
    expect(started.status).toBe('pending');
    const uri = new URL(started.uri);
    expect(uri.protocol).toBe('otpauth:');
    secret = uri.searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const now = Date.now();
    confirmCode = code(now);
    confirmStep = stepOf(now);
    const confirmed = await gmv(['mfa', 'enroll', '--confirm', '--totp-file', '-'], { env: box.env, input: confirmCode });
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toBe('TOTP is now required when li.an logs in.\n');
    expect((await gmv(['lock'], { env: box.env })).code).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('with TOTP active, the passphrase alone does not log in', async () => {
    const before = await okLogins();
    const noCode = await gmv(['login', '--login', 'li.an', '--passphrase-file', passFile], { env: box.env });
    expect(noCode.code).toBe(2);
    expect(noCode.stderr.toLowerCase()).toContain('the one-time code cannot be asked for without a terminal. pass --totp-file file|- instead.');
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(5);
    expect(await okLogins()).toBe(before);
    expect(parse<{ person: { mfa: boolean } }>(await gmv(['staff', 'show', 'li.an', '--json'], { env: box.env })).person.mfa).toBe(true);
  });

  it('the code that confirmed the enrollment cannot be used again to log in', async () => {
    const before = { logins: await okLogins(), denials: (await totpDenials()).length };
    const replay = await login(confirmCode);
    expect(replay.code).toBe(5);
    expect(replay.stderr).toBe('Error: The one-time code for li.an is wrong, expired or was already used. The attempt was recorded in the audit log.\n');
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(5);
    expect(await okLogins()).toBe(before.logins);
    const denials = await totpDenials();
    expect(denials).toHaveLength(before.denials + 1);
    // Inside the tolerance window the reason is the replay, not expiry.
    if (stepOf(Date.now()) <= confirmStep + 1) expect(denials.at(-1)).toMatchObject({ actor: 'li.an', subject: 'li.an', details: { reason: 'code already used (replay)' } });
  });

  it('a code accepted at login is refused the second time within its step; the open session is left alone', async () => {
    // The next step's code: newer than the one used to confirm, and inside the ±1 step tolerance.
    const fresh = code(Date.now() + PERIOD * 1000);
    const before = { logins: await okLogins(), denials: (await totpDenials()).length };
    const first = await login(fresh);
    expect(first.code, first.stderr).toBe(0);
    const session = parse<{ login: string; startedAt: string }>(await gmv(['whoami', '--json'], { env: box.env }));
    expect(session.login).toBe('li.an');
    const factors = (await audit(box.env, 'session.login')).at(-1)!.details.factors;
    expect(factors).toEqual(['passphrase', 'device', 'totp']);

    const replay = await login(fresh);
    expect(replay.code).toBe(5);
    expect(replay.stdout).toBe('');
    expect(replay.stderr).toContain('The one-time code for li.an is wrong, expired or was already used.');
    const json = await gmv(['login', '--login', 'li.an', '--passphrase-file', passFile, '--totp-file', '-', '--json'], { env: box.env, input: fresh });
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'TOTP_INVALID', exit: 5 } });

    // The refused logins neither started a session nor replaced the real one.
    expect(parse<{ startedAt: string }>(await gmv(['whoami', '--json'], { env: box.env })).startedAt).toBe(session.startedAt);
    expect(await okLogins()).toBe(before.logins + 1);
    const denials = await totpDenials();
    expect(denials).toHaveLength(before.denials + 2);
    for (const d of denials.slice(-2)) expect(d).toMatchObject({ actor: 'li.an', subject: 'li.an', outcome: 'denied', details: { reason: 'code already used (replay)' } });
    expect((await gmv(['lock'], { env: box.env })).code).toBe(0);
  });

  it('wrong, malformed and old codes are refused (5) and audited', async () => {
    const before = { logins: await okLogins(), denials: (await totpDenials()).length };
    const now = Date.now();
    const right = new Set([code(now - PERIOD * 1000), code(now), code(now + PERIOD * 1000)]);
    let wrong = '000000';
    while (right.has(wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');
    const attempts = [wrong, 'abcdef', '12345', code(now - 4 * PERIOD * 1000)];
    for (const attempt of attempts) {
      const result = await login(attempt);
      expect(result.code, attempt).toBe(5);
      expect(result.stderr, attempt).toContain('The one-time code for li.an is wrong, expired or was already used. The attempt was recorded in the audit log.');
    }
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(5);
    expect(await okLogins()).toBe(before.logins);
    const denials = (await totpDenials()).slice(before.denials);
    expect(denials).toHaveLength(attempts.length);
    for (const d of denials) expect(d).toMatchObject({ actor: 'li.an', subject: 'li.an', details: { reason: 'wrong or expired code' } });
    expect(parse(await gmv(['audit', 'verify', '--json'], { env: box.env }))).toMatchObject({ ok: true });
  });
});
