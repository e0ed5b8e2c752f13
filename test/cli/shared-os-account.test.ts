/**
 * Two people sharing one OS account (one HOME, one config folder) each keep their own device key:
 * the first enrolled keeps the terminal's file, the second gets a file of their own beside it, each
 * logs in with their own device, and neither can take, replace or forget the other's.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

const ZHANG = 'river-willow-9K-stone-bridge';

describe.each(dialects())('two people on one OS account, on %s', (dialect) => {
  let box: Sandbox | undefined;
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('each enrolls and logs in with their own device', async () => {
    box = await sandbox(dialect);
    const env = box.env;
    const init = parse<{ deviceId: string; deviceFile: string }>(await initVault(env, ['--json']));
    const liFile = readFileSync(init.deviceFile, 'utf8');
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env })).code).toBe(0);

    // Zhang Wei enrolls at the same terminal: a key file of his own, li.an's untouched.
    const enrolled = await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env, input: ZHANG });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const zhang = parse<{ code: string; deviceId: string; deviceFile: string; newPersonKey: boolean }>(enrolled);
    expect(zhang.newPersonKey).toBe(true);
    expect(zhang.deviceId).not.toBe(init.deviceId);
    expect(zhang.deviceFile).toBe(join(box.paths.devicesDir, `${JSON.parse(liFile).vault_id}.zhang.wei.json`));
    expect(statSync(zhang.deviceFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(init.deviceFile, 'utf8')).toBe(liFile);

    // Pending, his login is refused with the next step; the officer's session is his own still.
    const early = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env, input: ZHANG });
    expect(early.code).toBe(5);
    expect(early.stderr).toContain('gmv device approve');
    expect((await gmv(['device', 'approve', zhang.code], { env })).code).toBe(0);

    // Each logs in with their own device: the session names it.
    const asZhang = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env, input: ZHANG });
    expect(asZhang.code, asZhang.stderr).toBe(0);
    expect(parse<{ login: string; deviceId: string }>(asZhang)).toMatchObject({ login: 'zhang.wei', deviceId: zhang.deviceId });
    expect(parse<{ deviceId: string }>(await gmv(['whoami', '--json'], { env })).deviceId).toBe(zhang.deviceId);
    const asLi = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-', '--json'], { env, input: OFFICER_PASSPHRASE });
    expect(asLi.code, asLi.stderr).toBe(0);
    expect(parse<{ login: string; deviceId: string }>(asLi)).toMatchObject({ login: 'li.an', deviceId: init.deviceId });
    const devices = parse<{ devices: { id: string; login: string; status: string }[] }>(await gmv(['device', 'list', '--json'], { env })).devices;
    expect(devices.filter((d) => d.status === 'active').map((d) => [d.login, d.id]).sort()).toEqual([['li.an', init.deviceId], ['zhang.wei', zhang.deviceId]]);

    // Enrolling again finds his own key and says what to do; forgetting an authorized device is refused, for either.
    const twice = await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-'], { env, input: ZHANG });
    expect(twice.code).toBe(9);
    expect(twice.stderr).toContain(zhang.deviceId);
    expect(twice.stderr).toContain('gmv login');
    for (const forget of [['device', 'forget'], ['device', 'forget', '--login', 'zhang.wei']]) {
      const refused = await gmv(forget, { env });
      expect(refused.code, forget.join(' ')).not.toBe(0);
      expect(refused.stderr).toContain('gmv device revoke');
    }
    expect(readFileSync(init.deviceFile, 'utf8')).toBe(liFile);
  });
});
