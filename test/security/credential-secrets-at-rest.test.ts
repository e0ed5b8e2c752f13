/**
 * Attacker: reads the vault database file (backup, stolen disk), the audit log, or the output of
 * non-reveal commands (account/grant listings, CI logs). Planted passwords, TOTP seeds and recovery
 * codes must appear in none of them; only the reveal commands print them, to a grantee.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { sandbox, otherTerminal, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';

const PLANTED = {
  password: 'Planted-Password-Xq7Zr9',
  seed: 'KRUGS4ZANFZSAYJAORSXG5BAONSWKZDB',
  codes: ['RCODE-PLANT-0001', 'RCODE-PLANT-0002'],
  rotated: '',
};

describe('planted credentials', () => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('never appear in the database file, the audit log or non-reveal output', async () => {
    const officer = await sandbox('sqlite');
    const zhang = otherTerminal(officer, 'zhang');
    terminals.push(officer, zhang);
    await initVault(officer.env);
    await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: officer.env, input: OFFICER_PASSPHRASE });
    await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'account-admin'], { env: officer.env });
    await train(officer.env, 'zhang.wei', 'account-admin');
    const enroll = JSON.parse((await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: 'zhang-wei-rides-the-night-bus-88' })).stdout);
    await gmv(['device', 'approve', enroll.code], { env: officer.env });
    await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: 'zhang-wei-rides-the-night-bus-88' });

    const outputs: string[] = [];
    const run = async (env: Sandbox, args: string[], input?: string) => {
      const r = await gmv(args, { env: env.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    const keep = async (env: Sandbox, args: string[], input?: string) => {
      const r = await run(env, args, input);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    await keep(zhang, ['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科']);
    await keep(zhang, ['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-', '--json'], PLANTED.password);
    await keep(zhang, ['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', '-', '--json'], PLANTED.seed);
    await keep(zhang, ['secret', 'set', 'weibo-press', '--field', 'recovery', '--from-file', '-', '--json'], PLANTED.codes.join('\n'));
    // A bad value is refused without echoing it.
    const bad = await gmv(['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', '-'], { env: zhang.env, input: `${PLANTED.password}!!` });
    expect(bad.code).toBe(11);
    outputs.push(bad.stdout, bad.stderr);
    // The reveal paths do print them (so the search below is meaningful), then the rest must not.
    expect((await run(zhang, ['secret', 'show', 'weibo-press'])).stdout).toContain(PLANTED.password);
    expect((await run(zhang, ['secret', 'show', 'weibo-press', '--field', 'recovery'])).stdout).toContain(PLANTED.codes[0]);
    await run(zhang, ['otp', 'weibo-press']);
    const rotated = JSON.parse((await run(zhang, ['rotate', 'start', 'weibo-press', '--json'])).stdout).password as string;
    await keep(zhang, ['rotate', 'confirm', 'weibo-press', '--json']);
    for (const args of [['account', 'list', '--json'], ['account', 'show', 'weibo-press', '--json'], ['grant', 'list', '--json'], ['recovery', 'list', '--json'], ['rotate', 'due', '--json'], ['audit', 'log', '--json'], ['audit', 'log']]) {
      await keep(officer, args);
    }

    const planted = [PLANTED.password, PLANTED.seed, ...PLANTED.codes, rotated];
    const file = readFileSync(officer.paths.defaultVault);
    const wal = existsSync(`${officer.paths.defaultVault}-wal`) ? readFileSync(`${officer.paths.defaultVault}-wal`) : Buffer.alloc(0);
    for (const value of planted) {
      expect(file.includes(Buffer.from(value)), `${value} in the vault file`).toBe(false);
      expect(wal.includes(Buffer.from(value)), `${value} in the WAL`).toBe(false);
      for (const out of outputs) expect(out.includes(value), `${value} in output`).toBe(false);
    }
  });
});
