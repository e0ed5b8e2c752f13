/**
 * Enrollment without dead ends: a lost code is shown again on the terminal that made it, an officer
 * can turn an enrollment down, and a terminal whose device was rejected or revoked starts over.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';

const ZHANG = 'river-willow-9K-stone-bridge';

describe.each(dialects())('device enrollment dead ends on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    zhang = otherTerminal(box, 'zhang');
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhang?.env]);
  });

  const enroll = () => gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: ZHANG });

  it('shows a lost code again, rejects by code, forgets the rejected key, and a new enrollment is approved', async () => {
    const first = parse<{ code: string; deviceId: string; deviceFile: string }>(await enroll());
    const again = await gmv(['device', 'enroll', '--show-code', '--json'], { env: zhang.env });
    expect(parse<{ code: string }>(again).code).toBe(first.code);
    const twice = await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: ZHANG });
    expect(twice.code).toBe(9);
    expect(twice.stderr).toContain('gmv device enroll --show-code');

    const rejected = await gmv(['device', 'reject', first.code], { env: box.env });
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toContain('rejected');
    expect((await gmv(['device', 'approve', first.code], { env: box.env })).code).toBe(3);
    const list = parse<{ devices: { id: string; status: string }[] }>(await gmv(['device', 'list', '--json'], { env: box.env }));
    expect(list.devices.find((d) => d.id === first.deviceId)?.status).toBe('rejected');
    expect((await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: ZHANG })).stderr).toContain('gmv device forget');

    const forgot = await gmv(['device', 'forget'], { env: zhang.env });
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(existsSync(first.deviceFile)).toBe(false);
    const second = parse<{ code: string; deviceId: string }>(await enroll());
    expect(second.deviceId).not.toBe(first.deviceId);
    expect((await gmv(['device', 'approve', second.code], { env: box.env })).code).toBe(0);
    expect((await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: ZHANG })).code).toBe(0);
    expect((await gmv(['lock'], { env: zhang.env })).code).toBe(0);
    expect((await audit(box.env, 'device.reject')).map((e) => e.subject)).toEqual([first.deviceId]);

    // An authorized terminal is not forgotten: that would lock its person out of it.
    const active = await gmv(['device', 'forget', '--json'], { env: zhang.env });
    expect(active.code).toBe(9);
    expect(JSON.parse(active.stdout).error.code).toBe('DEVICE_STILL_ACTIVE');
    // Once revoked, it can start over.
    expect((await gmv(['device', 'revoke', second.deviceId, '--reason', 'laptop stolen'], { env: box.env })).code).toBe(0);
    expect((await gmv(['device', 'forget'], { env: zhang.env })).code).toBe(0);
    const zh = await gmv(['device', 'reject', 'AAAAA-AAAAA'], { env: { ...box.env, LANG: 'zh_CN.UTF-8' } });
    expect(zh.code).toBe(3);
  });
});
