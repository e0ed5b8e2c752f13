/**
 * Attacker: knows an officer's passphrase and sits at their terminal, but has not got the TOTP
 * authenticator. Every path that unlocks the key — login, and the one-off --passphrase-file paths
 * (checkpoint export, prune, device add-key, passphrase change) — must ask for the second factor,
 * and wrong codes after a right passphrase must count toward the lock-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';

describe('TOTP on every unlock path', () => {
  let box: Sandbox;
  let seed: string;
  beforeAll(async () => {
    box = await sandbox('sqlite');
    const policy = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8').replace('max_failures: 5', 'max_failures: 3').replace('backoff_seconds: 2', 'backoff_seconds: 0');
    writeFileSync(join(box.dir, 'policy.yaml'), policy);
    await initVault(box.env, ['--policy', join(box.dir, 'policy.yaml')]);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    const enroll = JSON.parse((await gmv(['mfa', 'enroll', '--json'], { env: box.env })).stdout);
    seed = new URL(enroll.uri).searchParams.get('secret')!;
    const { generateSync } = await import('otplib');
    expect((await gmv(['mfa', 'enroll', '--confirm', '--totp-file', '-'], { env: box.env, input: generateSync({ secret: seed }) })).code).toBe(0);
    await gmv(['lock'], { env: box.env });
    writeFileSync(join(box.dir, 'pass'), OFFICER_PASSPHRASE);
  });
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  it('a passphrase alone does not export a checkpoint, even without a terminal to prompt on', async () => {
    const out = join(box.dir, 'evidence');
    const r = await gmv(['audit', 'checkpoint', 'export', '--out', out, '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--totp-file');
    const wrong = await gmv(['audit', 'checkpoint', 'export', '--out', out, '--login', 'li.an', '--passphrase-file', join(box.dir, 'pass'), '--totp-file', '-'], { env: box.env, input: '000000' });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toContain('one-time code');
  });

  it('wrong codes after the right passphrase lock the person out', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await gmv(['login', '--login', 'li.an', '--passphrase-file', join(box.dir, 'pass'), '--totp-file', '-'], { env: box.env, input: '000000' });
      expect(r.code).toBe(5);
    }
    const { generateSync } = await import('otplib');
    const locked = await gmv(['login', '--login', 'li.an', '--passphrase-file', join(box.dir, 'pass'), '--totp-file', '-'], { env: box.env, input: generateSync({ secret: seed }) });
    expect(locked.code).toBe(5);
    // li.an is the vault's only officer: nobody can run gmv staff unlock, so the message names gmv recover.
    expect(locked.stderr).toContain('No other security officer can log in to unlock them');
    expect(locked.stderr).toContain('gmv recover --login li.an --recovery-key FILE');
    const log = JSON.parse((await gmv(['audit', 'log', '--action', 'auth.*', '--json'], { env: box.env })).stdout).entries.map((e: { action: string }) => e.action);
    expect(log).toEqual(expect.arrayContaining(['auth.totp', 'auth.locked']));
  });
});
