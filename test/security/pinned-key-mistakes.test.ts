/**
 * Threat: an auditor or officer pins the wrong thing with --org-key: the organisation's (or anyone's)
 * private key, a binary export, or text that only looks like a key. A private key accepted as a pin
 * teaches people to carry private keys to every check; a binary key refused as "not a key" leaves
 * them guessing. Each is refused as bad input (exit 11), saying which mistake it is, in both
 * languages, and never read as an integrity failure of the thing checked (exit 6) or as a pin.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';

describe.each(dialects())('a pinned organisation key that is no public key, on %s', (dialect) => {
  let box: Sandbox;
  let gnupg: string;
  let backup: string;
  let exported: string;
  const pins: Record<string, string> = {};
  const ok = async (args: string[], input?: string) => {
    const r = await gmv(args, { env: box.env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    backup = join(box.dir, 'unit.gmvbak');
    await ok(['backup', 'create', '--out', backup]);
    // A signed checklist run exported for an auditor: the third thing a pin is given to.
    const run = JSON.parse((await ok(['checklist', 'start', 'backup-restore-drill', '--json'])).stdout).run.id as string;
    const evidence = join(box.dir, 'drill.log');
    writeFileSync(evidence, 'restore drill: 12 tables\n');
    for (const step of ['backup', 'restore']) await ok(['checklist', 'step', run, step, '--status', 'done', '--evidence', evidence]);
    await ok(['checklist', 'step', run, 'compare', '--status', 'na', '--note', 'test vault only']);
    await ok(['checklist', 'sign', run]);
    exported = join(box.dir, 'drill-export');
    await ok(['checklist', 'export', run, '--out', exported]);
    const armored = (await ok(['org', 'key', 'export'])).stdout;
    gnupg = mkdtempSync(join(tmpdir(), 'gmv-pin-gpg-'));
    const gpg = (args: string[], input?: string) => execFileSync('gpg', ['--homedir', gnupg, '--batch', '--quiet', ...args], { input, stdio: ['pipe', 'pipe', 'ignore'] });
    gpg(['--quick-gen-key', '--passphrase', '', 'Org Officer <org@example.org>', 'ed25519', 'default', 'never']);
    const write = (name: string, body: string | Buffer) => { writeFileSync(pins[name] = join(box.dir, `${name}.key`), body); };
    const secret = gpg(['--armor', '--export-secret-keys', 'Org Officer']).toString('utf8');
    write('private', secret);
    // The same secret key under a public key's armor lines: what is inside counts, not the label.
    write('disguised', secret.replaceAll('PRIVATE KEY BLOCK', 'PUBLIC KEY BLOCK'));
    write('binary', gpg(['--dearmor'], armored));
    write('garbage', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n');
    write('good', armored);
  });
  afterAll(async () => {
    await lockAll(undefined, [box?.env]);
    if (gnupg) rmSync(gnupg, { recursive: true, force: true });
  });

  const cases: [string, string, string][] = [
    ['private', 'holds a private key', '其中是私钥'],
    ['disguised', 'holds a private key', '其中是私钥'],
    ['binary', 'not an ASCII-armored OpenPGP public key', '不是 ASCII 封装的 OpenPGP 公钥'],
    ['garbage', 'not an OpenPGP public key', '不是 OpenPGP 公钥'],
  ];

  it.each(cases)('backup verify and restore, audit verify and checklist verify refuse a %s pin as bad input, saying why', async (name, english, chinese) => {
    for (const args of [['backup', 'verify', backup], ['backup', 'restore', backup, '--to', join(box.dir, 'never.db')], ['audit', 'verify'], ['checklist', 'verify', exported]]) {
      const r = await gmv([...args, '--org-key', pins[name]!, '--json'], { env: box.env });
      expect(r.code, `${args.join(' ')} ${name}: ${r.stdout}`).toBe(11);
      const error = JSON.parse(r.stdout).error;
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toContain(english);
      const zh = await gmv([...args, '--org-key', pins[name]!, '--lang', 'zh-CN'], { env: box.env });
      expect(zh.code).toBe(11);
      expect(zh.stderr).toContain(chinese);
    }
    expect(existsSync(join(box.dir, 'never.db'))).toBe(false);
  });

  it('the armored public key itself is accepted by each', async () => {
    await ok(['backup', 'verify', backup, '--org-key', pins.good!]);
    await ok(['audit', 'verify', '--org-key', pins.good!]);
    // The run is signed by its performer alone: the pin is taken, and the record itself is what fails.
    const run = await gmv(['checklist', 'verify', exported, '--org-key', pins.good!, '--json'], { env: box.env });
    expect(run.code, run.stdout).toBe(6);
    expect(JSON.parse(run.stdout).error.message).toContain('countersignature');
  });
});
