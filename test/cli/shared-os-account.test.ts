/**
 * Two people sharing one OS account (one HOME, one config folder) each keep their own device key:
 * the first enrolled keeps the terminal's file, the second gets a file of their own beside it, each
 * logs in with their own device, and neither can take, replace or forget the other's, nor be shown
 * the other's enrollment code.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

const ZHANG = 'river-willow-9K-stone-bridge';
const WANG = 'maple-harbour-4T-quiet-lane';

describe.each(dialects())('two people on one OS account, on %s', (dialect) => {
  let box: Sandbox | undefined;
  let shared: Sandbox | undefined;
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, shared?.env]);
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
    const devices = parse<{ devices: { id: string; login: string; status: string; thisTerminal: boolean }[] }>(await gmv(['device', 'list', '--json'], { env })).devices;
    // Both devices' files are on this terminal: both are marked as this terminal's.
    expect(devices.filter((d) => d.status === 'active').map((d) => [d.login, d.id, d.thisTerminal]).sort()).toEqual([['li.an', init.deviceId, true], ['zhang.wei', zhang.deviceId, true]]);
    expect((await gmv(['device', 'list'], { env })).stdout.match(/\(this terminal\)/g)).toHaveLength(2);

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

  it('shows each person their own pending code again, never another\'s', async () => {
    const env = box!.env;
    for (const [login, name] of [['wang.fang', '王芳'], ['zhao.min', '赵敏']]) {
      expect((await gmv(['staff', 'add', '--login', login!, '--name', name!, '--unit', '宣传科', '--roles', 'editor'], { env })).code).toBe(0);
    }
    // A second shared terminal: zhang.wei's enrollment there is its first file, wang.fang's her own beside it; both wait.
    shared = otherTerminal(box!, 'shared');
    const enroll = async (login: string, passphrase: string) => {
      const r = await gmv(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--label', 'shared PC', '--json'], { env: shared!.env, input: passphrase });
      expect(r.code, r.stderr).toBe(0);
      return parse<{ code: string; deviceId: string }>(r);
    };
    const zhang = await enroll('zhang.wei', ZHANG);
    const wang = await enroll('wang.fang', WANG);
    const showCode = (...flags: string[]) => gmv(['device', 'enroll', '--show-code', ...flags, '--json'], { env: shared!.env });

    // Each names themselves and sees their own code.
    expect(parse(await showCode('--login', 'wang.fang'))).toEqual({ deviceId: wang.deviceId, login: 'wang.fang', code: wang.code });
    expect(parse(await showCode('--login', 'zhang.wei'))).toEqual({ deviceId: zhang.deviceId, login: 'zhang.wei', code: zhang.code });
    const human = await gmv(['device', 'enroll', '--show-code', '--login', 'wang.fang'], { env: shared.env });
    expect(human.stdout).toBe(`Enrollment code of device ${wang.deviceId} of wang.fang: ${wang.code}. Read it to a security officer (gmv device approve ${wang.code}).\n`);

    // Unnamed, with two waiting: refused, naming the choices, showing neither code.
    const unnamed = await showCode();
    expect(unnamed.code).toBe(2);
    expect(JSON.parse(unnamed.stdout).error.code).toBe('DEVICE_PENDING_SEVERAL');
    expect(unnamed.stderr).toBe('Error: Several people\'s enrollments wait for approval on this terminal (zhang.wei, wang.fang). Show yours with: gmv device enroll --show-code --login HANDLE\n');
    for (const code of [zhang.code, wang.code]) expect(unnamed.stdout + unnamed.stderr).not.toContain(code);

    // Someone with no device here is not shown the terminal's first file (zhang.wei's).
    const stranger = await showCode('--login', 'zhao.min');
    expect(stranger.code).toBe(5);
    expect(JSON.parse(stranger.stdout).error.code).toBe('DEVICE_NOT_HERE');
    expect(stranger.stdout + stranger.stderr).not.toContain(zhang.code);
    // Nor may they withdraw it: forgetting "their" device here would take zhang.wei's enrollment.
    const forgot = await gmv(['device', 'forget', '--login', 'zhao.min', '--json'], { env: shared.env });
    expect(forgot.code).toBe(5);
    expect(JSON.parse(forgot.stdout).error.code).toBe('DEVICE_NOT_HERE');
    expect(parse(await showCode('--login', 'zhang.wei'))).toEqual({ deviceId: zhang.deviceId, login: 'zhang.wei', code: zhang.code });

    // Once one is approved, the other is the only one waiting: shown without --login, naming whose it is.
    expect((await gmv(['device', 'approve', zhang.code], { env })).code).toBe(0);
    expect(parse(await showCode())).toEqual({ deviceId: wang.deviceId, login: 'wang.fang', code: wang.code });
    const approved = await showCode('--login', 'zhang.wei');
    expect(approved.code).toBe(9);
    expect(JSON.parse(approved.stdout).error.code).toBe('DEVICE_NOT_PENDING');
    expect(approved.stdout).not.toContain(zhang.code);
    // Neither flag: a usage error, as before.
    expect((await gmv(['device', 'enroll'], { env: shared.env })).code).toBe(2);
  });
});
