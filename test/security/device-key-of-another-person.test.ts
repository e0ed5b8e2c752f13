/**
 * Threat: logging in as someone else with a device that belongs to another person.
 *
 * Attacker's position: zhang.wei, an editor with his own approved terminal. He has learned the
 * security officer li.an's passphrase (shoulder-surfing), and can copy device key files between
 * terminals: his own key file onto another terminal, or li.an's key file onto his. In the strongest
 * variant he can also write to the vault database and rebinds his device row to li.an, or plants
 * li.an's key lock (envelope) under his own device.
 *
 * What must hold: a terminal is authorized for its own person only. Every attempt exits 5, starts
 * no session, leaves no `session.login` entry, and is recorded as a denial (`auth.device` or
 * `auth.failed`). A device key proves a terminal, never a person: the passphrase of the device's
 * own person together with that device is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

import { basename, join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, type RunResult } from '../helpers/cli.js';
import { openStore } from '../../src/store/store.js';
import { lockAll, parse, audit } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';

function policyFile(dir: string): string {
  // No back-off and a high limit: the refusals below must be for the reason under test, not throttling.
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8')
    .replace(/max_failures: \d+/, 'max_failures: 50').replace(/backoff_seconds: \d+/, 'backoff_seconds: 0');
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, text);
  return path;
}

/** A terminal that holds a copy of `keyFile` as its device key. */
function terminalWithKey(box: Sandbox, name: string, keyFile: string): Sandbox {
  const terminal = otherTerminal(box, name);
  mkdirSync(terminal.paths.devicesDir, { recursive: true, mode: 0o700 });
  copyFileSync(keyFile, join(terminal.paths.devicesDir, basename(keyFile)));
  return terminal;
}

describe.each(dialects())('device of another person on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;
  let zhangFile: string;
  let officerKeyFile: string;
  let officerDevice: string;
  let zhangKeyFile: string;
  let zhangDevice: string;
  const terminals: Sandbox[] = [];

  const okLogins = async (login: string) => (await audit(box.env, 'session.login')).filter((e) => e.actor === login && e.outcome === 'ok').length;

  /** A refused login: exit 5, no output, no session on that terminal. */
  async function refused(terminal: Sandbox, login: string, passphrase: string): Promise<RunResult> {
    const result = await gmv(['login', '--login', login, '--passphrase-file', '-'], { env: terminal.env, input: passphrase });
    expect(result.code, result.stderr).toBe(5);
    expect(result.stdout).toBe('');
    expect((await gmv(['whoami'], { env: terminal.env })).code).toBe(5);
    return result;
  }

  beforeAll(async () => {
    box = await sandbox(dialect);
    const created = JSON.parse((await initVault(box.env, ['--json', '--policy', policyFile(box.dir)])).stdout) as { deviceId: string; deviceFile: string };
    officerDevice = created.deviceId;
    officerKeyFile = created.deviceFile;
    zhang = otherTerminal(box, 'zhang');
    terminals.push(zhang);
    zhangFile = join(box.dir, 'zhang.pass');
    writeFileSync(zhangFile, ZHANG_PASSPHRASE);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
    const enrolled = parse<{ code: string; deviceId: string; deviceFile: string }>(await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', zhangFile, '--json'], { env: zhang.env }));
    zhangDevice = enrolled.deviceId;
    zhangKeyFile = enrolled.deviceFile;
    expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
    expect((await gmv(['lock'], { env: box.env })).code).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, ...terminals.map((t) => t.env)]);
  });

  it('on his own terminal, with the officer\'s real passphrase: refused (5), audited as auth.device', async () => {
    const before = await okLogins('li.an');
    const result = await refused(zhang, 'li.an', OFFICER_PASSPHRASE);
    expect(result.stderr).toBe(`Error: This terminal (${zhangDevice}) is not authorized: the device belongs to another person. A security officer can approve or re-enroll it.\n`);
    expect(await okLogins('li.an')).toBe(before);
    expect((await audit(box.env, 'auth.device')).at(-1)).toMatchObject({ actor: 'li.an', subject: zhangDevice, outcome: 'denied', details: { reason: 'the device belongs to another person' } });
  });

  it('his device key file copied onto a third terminal does not make it the officer\'s', async () => {
    const kiosk = terminalWithKey(box, 'kiosk', zhangKeyFile);
    terminals.push(kiosk);
    const before = await okLogins('li.an');
    const result = await refused(kiosk, 'li.an', OFFICER_PASSPHRASE);
    expect(result.stderr).toContain(`This terminal (${zhangDevice}) is not authorized: the device belongs to another person.`);
    expect(await okLogins('li.an')).toBe(before);
  });

  it('the officer\'s device key file copied onto his terminal: not his device, and his passphrase does not open the officer\'s key', async () => {
    const stolen = terminalWithKey(box, 'stolen', officerKeyFile);
    terminals.push(stolen);
    const asHimself = await refused(stolen, 'zhang.wei', ZHANG_PASSPHRASE);
    expect(asHimself.stderr).toContain(`This terminal (${officerDevice}) is not authorized: the device belongs to another person.`);
    expect((await audit(box.env, 'auth.device')).at(-1)).toMatchObject({ actor: 'zhang.wei', subject: officerDevice, outcome: 'denied' });

    const failures = (await audit(box.env, 'auth.failed')).length;
    const guessed = await refused(stolen, 'li.an', ZHANG_PASSPHRASE);
    expect(guessed.stderr).toBe('Error: Authentication failed for li.an: wrong passphrase or a device this person is not enrolled on. The attempt was recorded in the audit log.\n');
    const after = await audit(box.env, 'auth.failed');
    expect(after).toHaveLength(failures + 1);
    expect(after.at(-1)).toMatchObject({ actor: 'li.an', subject: 'li.an', outcome: 'denied', details: { reason: 'wrong passphrase' } });
    expect(await okLogins('zhang.wei')).toBe(0);
  });

  it('with write access to the vault: rebinding his device to the officer, or planting her key lock under it, opens nothing', async () => {
    const store = await openStore(box.target, { mode: 'open' });
    try {
      const officer = await store.db.selectFrom('people').select('id').where('login', '=', 'li.an').executeTakeFirstOrThrow();
      await store.db.updateTable('devices').set({ person_id: Number(officer.id) }).where('id', '=', zhangDevice).execute();
    } finally {
      await store.close();
    }
    const rebound = await refused(zhang, 'li.an', OFFICER_PASSPHRASE);
    expect(rebound.stderr).toContain('Authentication failed for li.an');
    expect((await audit(box.env, 'auth.failed')).at(-1)).toMatchObject({ actor: 'li.an', details: { reason: expect.stringMatching(/^no key for this person on this device/) } });

    const again = await openStore(box.target, { mode: 'open' });
    try {
      const lock = await again.db.selectFrom('person_key_locks').select(['person_id', 'key_fingerprint', 'envelope', 'created_at']).where('device_id', '=', officerDevice).executeTakeFirstOrThrow();
      await again.db.insertInto('person_key_locks').values({ ...lock, device_id: zhangDevice }).execute();
    } finally {
      await again.close();
    }
    const planted = await refused(zhang, 'li.an', OFFICER_PASSPHRASE);
    expect(planted.stderr).toContain('Authentication failed for li.an');
    expect((await audit(box.env, 'auth.failed')).at(-1)).toMatchObject({ actor: 'li.an', details: { reason: 'wrong passphrase' } });
    expect(await okLogins('li.an')).toBe(1);
    expect(await okLogins('zhang.wei')).toBe(0);
  });
});
