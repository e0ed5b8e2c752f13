/**
 * The identity path as people drive it, on each dialect: the security officer adds a colleague, the
 * colleague enrolls their own terminal, reads the code out, the officer approves it, the colleague
 * logs in there. Staff and unit management, the refusals around them, and officer recovery with
 * the organisation recovery key (whole or k of n shares) on a terminal without the officer's key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse, audit } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';
const WANG_PASSPHRASE = 'autumn-pagoda-4M-silk-kite';

function secretFile(box: Sandbox, name: string, value: string): string {
  const path = join(box.dir, name);
  writeFileSync(path, value, { mode: 0o600 });
  return path;
}

describe.each(dialects())('identity on %s', (dialect) => {
  let box: Sandbox;
  /** zhang.wei's own terminal: same vault, another config dir. */
  let zhang: Sandbox;
  /** wang.fang's terminal (a contractor), enrolled but approved only at the end. */
  let wang: Sandbox;
  /** zhao.min's terminal: a second security officer. */
  let zhao: Sandbox | undefined;
  let zhangFile: string;
  let wangFile: string;
  let zhangDevice: string;
  let officerDevice: string;

  beforeAll(async () => {
    box = await sandbox(dialect);
    officerDevice = (JSON.parse((await initVault(box.env, ['--json'])).stdout) as { deviceId: string }).deviceId;
    zhang = otherTerminal(box, 'zhang');
    wang = otherTerminal(box, 'wang');
    zhangFile = secretFile(box, 'zhang.pass', ZHANG_PASSPHRASE);
    wangFile = secretFile(box, 'wang.pass', WANG_PASSPHRASE);
    const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(login.code, login.stderr).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhang?.env, wang?.env, zhao?.env]);
  });

  it('a second person is added, enrolls their own terminal, is approved and logs in there', async () => {
    const added = await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'account-admin,editor'], { env: box.env });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('Added zhang.wei (张伟, 宣传科) with roles account-admin, editor. Next, on their terminal: gmv device enroll --login zhang.wei\n');
    expect(parse(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env }))).toMatchObject({ person: { status: 'onboarding', devices: [], mfa: false, locked: false }, departure: null });

    // Before enrolling, zhang's terminal cannot log in: it holds no device key for this vault.
    const early = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', zhangFile], { env: zhang.env });
    expect(early.code).toBe(5);
    expect(early.stderr).toContain('has no device key for vault');
    expect(early.stderr).toContain('gmv device enroll --login HANDLE');

    const enrolled = parse<{ code: string; deviceId: string; login: string; newPersonKey: boolean; deviceFile: string }>(
      await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', zhangFile, '--label', 'office PC 3F-12', '--json'], { env: zhang.env }));
    expect(enrolled).toMatchObject({ login: 'zhang.wei', newPersonKey: true });
    expect(enrolled.code).toMatch(/^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    expect(enrolled.deviceFile.startsWith(zhang.paths.devicesDir)).toBe(true);
    zhangDevice = enrolled.deviceId;

    // Pending: listed, but the terminal is not yet authorized.
    const pending = parse<{ devices: { id: string; login: string; status: string; label: string; thisTerminal: boolean }[] }>(await gmv(['device', 'list', '--json'], { env: box.env })).devices;
    expect(pending.find((d) => d.id === zhangDevice)).toMatchObject({ login: 'zhang.wei', status: 'pending', label: 'office PC 3F-12', thisTerminal: false });
    const notYet = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', zhangFile], { env: zhang.env });
    expect(notYet.code).toBe(5);
    expect(notYet.stderr).toContain(`This terminal (${zhangDevice}) is not authorized: enrollment not yet approved (gmv device approve CODE)`);

    const approved = await gmv(['device', 'approve', enrolled.code.toLowerCase()], { env: box.env });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^Approved device ${zhangDevice} of zhang\\.wei: certificate [0-9A-F]+, valid until \\d{4}-\\d{2}-\\d{2}\\.\\n$`));
    // The code is single-use.
    const again = await gmv(['device', 'approve', enrolled.code], { env: box.env });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`No pending enrollment has the code ${enrolled.code}`);

    expect(parse(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env }))).toMatchObject({ person: { status: 'active', devices: [{ id: zhangDevice, status: 'active', label: 'office PC 3F-12' }] } });

    const login = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', zhangFile], { env: zhang.env });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Logged in as zhang\.wei\. The session locks when idle/);
    const who = parse<Record<string, unknown>>(await gmv(['whoami', '--json'], { env: zhang.env }));
    expect(who).toMatchObject({ login: 'zhang.wei', name: '张伟', deviceId: zhangDevice });
    const whoText = await gmv(['whoami'], { env: zhang.env });
    expect(whoText.stdout).toContain(`zhang.wei (张伟) on device ${zhangDevice}`);
    // Two terminals, two sessions: the officer's is untouched.
    expect(parse(await gmv(['whoami', '--json'], { env: box.env }))).toMatchObject({ login: 'li.an', name: '李安', deviceId: officerDevice });

    const devices = parse<{ devices: { id: string; status: string; approvedBy: string | null; thisTerminal: boolean }[] }>(await gmv(['device', 'list', '--json'], { env: zhang.env })).devices;
    expect(devices.find((d) => d.id === zhangDevice)).toMatchObject({ status: 'active', approvedBy: 'li.an', thisTerminal: true });
    expect(devices.find((d) => d.id === officerDevice)).toMatchObject({ status: 'active', thisTerminal: false });

    const entries = await audit(box.env);
    const enroll = entries.find((e) => e.action === 'device.enroll');
    expect(enroll).toMatchObject({ actor: 'zhang.wei', subject: zhangDevice, outcome: 'ok' });
    expect(entries.filter((e) => e.action === 'device.approve' && e.subject === zhangDevice)).toMatchObject([{ actor: 'li.an', outcome: 'ok', details: { person: 'zhang.wei' } }]);
    expect(entries.filter((e) => e.action === 'session.login' && e.actor === 'zhang.wei')).toMatchObject([{ subject: zhangDevice, outcome: 'ok' }]);
  });

  it('staff list, show and set-roles', async () => {
    const people = parse<{ people: { login: string; name: string; unit: string; roles: string[]; employer: string | null; status: string }[] }>(await gmv(['staff', 'list', '--json'], { env: box.env })).people;
    expect(people.map((p) => p.login)).toEqual(['li.an', 'zhang.wei']);
    expect(people[1]).toMatchObject({ name: '张伟', unit: '宣传科', roles: ['account-admin', 'editor'], employer: null, status: 'active' });

    const set = await gmv(['staff', 'set-roles', 'zhang.wei', '--roles', 'editor'], { env: box.env });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('zhang.wei now has the roles editor.\n');
    const show = await gmv(['staff', 'show', 'zhang.wei'], { env: box.env });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('zhang.wei  张伟');
    expect(show.stdout).toContain('  roles: editor\n');
    expect(show.stdout).toContain('  employer: in-house\n');
    expect(show.stdout).toContain('  status: active\n');
    expect(show.stdout).toContain(`  devices: ${zhangDevice} (active)`);

    const editors = parse<{ people: { login: string }[] }>(await gmv(['staff', 'list', '--role', 'editor', '--json'], { env: box.env })).people;
    expect(editors.map((p) => p.login)).toEqual(['zhang.wei']);
    const table = await gmv(['staff', 'list'], { env: box.env });
    expect(table.stdout).toMatch(/zhang\.wei\s+张伟\s+宣传科\s+editor\s+-\s+active\s+1\s+-/);

    const roles = await audit(box.env, 'person.roles');
    expect(roles).toMatchObject([{ actor: 'li.an', subject: 'zhang.wei', outcome: 'ok', details: { from: ['account-admin', 'editor'], to: ['editor'] } }]);

    const unknown = await gmv(['staff', 'show', 'nobody'], { env: box.env });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('No person with login handle nobody. See: gmv staff list.');
    // A non-officer cannot change roles, not even their own.
    const selfPromote = await gmv(['staff', 'set-roles', 'zhang.wei', '--roles', 'security-officer'], { env: zhang.env });
    expect(selfPromote.code).toBe(4);
    expect(selfPromote.stderr).toContain('Denied: staff.manage needs the role security-officer; zhang.wei does not have it.');
    expect(parse<{ person: { roles: string[] } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.roles).toEqual(['editor']);
  });

  it('unit add and list', async () => {
    const added = await gmv(['unit', 'add', '网络安全科'], { env: box.env });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('Added the unit 网络安全科.\n');
    const duplicate = await gmv(['unit', 'add', '网络安全科'], { env: box.env });
    expect(duplicate.code).toBe(9);
    expect(duplicate.stderr).toContain('A unit named 网络安全科 already exists.');
    const denied = await gmv(['unit', 'add', '法制科'], { env: zhang.env });
    expect(denied.code).toBe(4);

    const units = parse<{ units: { name: string; people: number }[] }>(await gmv(['unit', 'list', '--json'], { env: box.env })).units;
    expect(units.map((u) => [u.name, u.people]).sort()).toEqual([['宣传科', 2], ['网络安全科', 0]].sort());
    const table = await gmv(['unit', 'list'], { env: box.env });
    expect(table.stdout).toMatch(/网络安全科\s+0\s+\d{4}-\d{2}-\d{2}/);
    expect((await audit(box.env, 'unit.add')).filter((e) => e.outcome === 'ok').map((e) => e.subject)).toEqual(['宣传科', '网络安全科']);
  });

  it('staff add refuses an unknown unit (3), a taken login (9), an unknown role (2), a malformed handle (11), and changes nothing', async () => {
    const before = { people: (await audit(box.env, 'person.add')).length, staff: (await gmv(['staff', 'list', '--json'], { env: box.env })).stdout };

    const noUnit = await gmv(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '法制科', '--roles', 'editor'], { env: box.env });
    expect(noUnit.code).toBe(3);
    expect(noUnit.stderr).toBe('Error: No unit named 法制科. Add it with: gmv unit add "法制科"\n');
    const noUnitJson = await gmv(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '法制科', '--roles', 'editor', '--json'], { env: box.env });
    expect(noUnitJson.code).toBe(3);
    expect(JSON.parse(noUnitJson.stdout)).toMatchObject({ error: { code: 'UNIT_NOT_FOUND', exit: 3 } });

    const taken = await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env });
    expect(taken.code).toBe(9);
    expect(taken.stderr).toContain('A person with login handle zhang.wei already exists.');

    const badRole = await gmv(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor,boss'], { env: box.env });
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('unknown role "boss"; roles are security-officer, account-admin, editor, reviewer, tech-support, auditor, leader');

    const badHandle = await gmv(['staff', 'add', '--login', 'Zhao Min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], { env: box.env });
    expect(badHandle.code).toBe(11);
    expect(badHandle.stderr).toContain('Invalid login handle');

    // A zh-CN reader gets the subject and the reason in Chinese too, not English inside a Chinese sentence.
    const zh = { ...box.env, LANG: 'zh_CN.UTF-8' };
    const zhHandle = await gmv(['staff', 'add', '--login', 'Zhao Min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], { env: zh });
    expect(zhHandle.code).toBe(11);
    expect(zhHandle.stderr).toBe('错误: 登录名 无效："Zhao Min" 须由小写字母和数字组成，用 . _ 或 - 连接（如 zhang.wei）。\n');
    const zhName = await gmv(['staff', 'add', '--login', 'zhao.min', '--name', ' 赵敏', '--unit', '宣传科', '--roles', 'editor'], { env: zh });
    expect(zhName.code).toBe(11);
    expect(zhName.stderr).toBe('错误: 姓名 无效：为空、首尾有空格或含控制字符。\n');
    const zhRole = await gmv(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor,boss'], { env: zh });
    expect(zhRole.code).toBe(2);
    expect(zhRole.stderr).toBe('错误: 未知角色"boss"；可用的角色：security-officer, account-admin, editor, reviewer, tech-support, auditor, leader\n');
    for (const refused of [zhHandle, zhName, zhRole]) expect(refused.stderr).not.toMatch(/Invalid|must be|padded|unknown role|roles are/);

    const notOfficer = await gmv(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], { env: zhang.env });
    expect(notOfficer.code).toBe(4);

    expect((await audit(box.env, 'person.add')).length).toBe(before.people);
    expect((await gmv(['staff', 'list', '--json'], { env: box.env })).stdout).toBe(before.staff);
    const denial = (await audit(box.env, 'staff.manage')).at(-1);
    expect(denial).toMatchObject({ actor: 'zhang.wei', subject: 'zhao.min', outcome: 'denied' });
  });

  it('a contractor is added with their employer, which list and show display', async () => {
    const added = await gmv(['staff', 'add', '--login', 'wang.fang', '--name', '王芳', '--unit', '网络安全科', '--roles', 'editor', '--employer', '某某文化传媒有限公司', '--json'], { env: box.env });
    expect(parse(added)).toMatchObject({ person: { login: 'wang.fang', name: '王芳', unit: '网络安全科', employer: '某某文化传媒有限公司', roles: ['editor'], status: 'onboarding' } });
    const show = await gmv(['staff', 'show', 'wang.fang'], { env: box.env });
    expect(show.stdout).toContain('  employer: 某某文化传媒有限公司\n');
    expect(show.stdout).toContain('  status: onboarding\n');
    expect(show.stdout).toContain('  devices: none\n');
    const table = await gmv(['staff', 'list', '--unit', '网络安全科'], { env: box.env });
    expect(table.stdout).toMatch(/wang\.fang\s+王芳\s+网络安全科\s+editor\s+某某文化传媒有限公司\s+onboarding\s+0/);
    expect(table.stdout).not.toContain('zhang.wei');
    expect((await audit(box.env, 'person.add')).at(-1)).toMatchObject({ subject: 'wang.fang', details: { employer: '某某文化传媒有限公司' } });
    const inHouse = (await audit(box.env, 'person.add')).find((e) => e.subject === 'zhang.wei');
    expect(inHouse?.details.employer).toBe('in-house');
  });

  it('a non-officer cannot approve a pending device (4); the denial is audited and the device stays pending', async () => {
    const enrolled = parse<{ code: string; deviceId: string }>(await gmv(['device', 'enroll', '--login', 'wang.fang', '--passphrase-file', wangFile, '--json'], { env: wang.env }));
    const approvals = (await audit(box.env, 'device.approve')).filter((e) => e.outcome === 'ok').length;

    const denied = await gmv(['device', 'approve', enrolled.code], { env: zhang.env });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toBe('Error: Denied: device.approve needs the role security-officer; zhang.wei does not have it. Ask a security officer.\n');
    const deniedJson = await gmv(['device', 'approve', enrolled.code, '--json'], { env: zhang.env });
    expect(deniedJson.code).toBe(4);
    expect(JSON.parse(deniedJson.stdout)).toMatchObject({ error: { code: 'DENIED_ROLE', exit: 4 } });

    const entries = await audit(box.env, 'device.approve');
    expect(entries.filter((e) => e.outcome === 'ok')).toHaveLength(approvals);
    const denials = entries.filter((e) => e.outcome === 'denied');
    expect(denials).toHaveLength(2);
    expect(denials[0]).toMatchObject({ actor: 'zhang.wei', subject: enrolled.deviceId, details: { reason: 'missing role security-officer' } });
    const devices = parse<{ devices: { id: string; status: string }[] }>(await gmv(['device', 'list', '--login', 'wang.fang', '--json'], { env: box.env })).devices;
    expect(devices).toMatchObject([{ id: enrolled.deviceId, status: 'pending' }]);

    // The officer can still approve the same code, and the contractor logs in on their terminal.
    expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
    const login = await gmv(['login', '--login', 'wang.fang', '--passphrase-file', wangFile, '--json'], { env: wang.env });
    expect(parse(login)).toMatchObject({ login: 'wang.fang', name: '王芳', deviceId: enrolled.deviceId });
  });

  // BUG on SQLite (src/services/officer-keys.ts:46, called from approveDevice's transaction at
  // src/services/devices.ts:160-163): wrapOfficerKeys unwraps the approving officer's data keys
  // through `vault.store.db` (dataKeyFor → unwrap) while the transaction holds SQLite's only
  // connection; the query waits forever, Node exits 13 ("unsettled top-level await") with no
  // message, and nothing is approved. PostgreSQL takes a second pooled connection and works.
  it('a second security officer is approved on their own terminal and can use the officer keys there', async () => {
    zhao = otherTerminal(box, 'zhao');
    expect((await gmv(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'security-officer'], { env: box.env })).code).toBe(0);
    const zhaoFile = secretFile(box, 'zhao.pass', 'granite-orchard-6P-tea-house');
    const enrolled = parse<{ code: string; deviceId: string }>(await gmv(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', zhaoFile, '--json'], { env: zhao.env }));
    const approved = await gmv(['device', 'approve', enrolled.code], { env: box.env });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved device ${enrolled.deviceId} of zhao.min`);
    expect((await gmv(['login', '--login', 'zhao.min', '--passphrase-file', zhaoFile], { env: zhao.env })).code).toBe(0);
    // Signing a checkpoint needs the organisation key, wrapped for the new officer at approval.
    const exported = await gmv(['audit', 'checkpoint', 'export', '--out', join(box.dir, 'zhao-evidence'), '--json'], { env: zhao.env });
    expect(exported.code, exported.stderr).toBe(0);
  });

  it('the audit log verifies after the whole path', async () => {
    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(parse(verify)).toMatchObject({ ok: true });
    const human = await gmv(['audit', 'verify'], { env: box.env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Audit log verified: \d+ entries, \d+ signed checkpoints, root [0-9a-f]+\./);
  });
});

describe.each(dialects())('officer recovery on %s', (dialect) => {
  const NEW_PASSPHRASE = 'harbour-lamp-3R-jade-orchid';

  it('the recovery key restores the officer on a fresh terminal; the old terminal no longer opens', async () => {
    const box = await sandbox(dialect);
    const created = JSON.parse((await initVault(box.env, ['--json'])).stdout) as { deviceId: string };
    const rescue = otherTerminal(box, 'rescue');
    const newPass = secretFile(box, 'new.pass', NEW_PASSPHRASE);
    try {
      // Without the officer's device key the known passphrase opens nothing.
      const before = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: rescue.env, input: OFFICER_PASSPHRASE });
      expect(before.code).toBe(5);

      const recovered = await gmv(['recover', '--login', 'li.an', '--recovery-key', join(box.dir, 'recovery.asc'), '--passphrase-file', newPass, '--json'], { env: rescue.env });
      expect(recovered.code, recovered.stderr).toBe(0);
      const result = JSON.parse(recovered.stdout) as { login: string; deviceId: string; recoveryKey: string; personKey: string };
      expect(result.login).toBe('li.an');
      expect(result.recoveryKey).toMatch(/^[0-9A-F]{40}$/);
      expect(recovered.stderr).toContain(`WARNING: the organisation recovery key ${result.recoveryKey} was used.`);
      const human = await gmv(['device', 'list', '--json'], { env: rescue.env });
      expect(JSON.parse(human.stdout).devices.find((d: { id: string }) => d.id === result.deviceId)).toMatchObject({ status: 'active', label: 'recovery terminal', thisTerminal: true });

      const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', newPass], { env: rescue.env });
      expect(login.code, login.stderr).toBe(0);
      expect(JSON.parse((await gmv(['whoami', '--json'], { env: rescue.env })).stdout)).toMatchObject({ login: 'li.an', deviceId: result.deviceId });
      // The restored officer can act as officer (the org key and device CA were re-wrapped for them).
      expect((await gmv(['unit', 'add', '法制科'], { env: rescue.env })).code).toBe(0);

      // The old terminal's lock belonged to the retired key: the old passphrase opens nothing there.
      const old = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
      expect(old.code).toBe(5);
      expect(old.stderr).toContain('Authentication failed for li.an');

      const uses = await audit(box.env, 'recovery.use');
      expect(uses).toMatchObject([{ actor: 'li.an', subject: 'li.an', outcome: 'ok', details: { recovery_key: result.recoveryKey, device: result.deviceId, new_key: result.personKey, warning: 'organisation recovery key used' } }]);
      expect((uses[0]!.details.retired_keys as string[]).length).toBe(1);
      expect(created.deviceId).not.toBe(result.deviceId);
      expect(parse(await gmv(['audit', 'verify', '--json'], { env: box.env }))).toMatchObject({ ok: true });
    } finally {
      await lockAll(box.dir, [rescue.env, box.env]);
    }
  });

  it('2 of 3 recovery shares restore the officer', async () => {
    const box = await sandbox(dialect);
    const base = join(box.dir, 'recovery');
    const init = await initVault(box.env, ['--recovery-key-out', base, '--recovery-shares', '3', '--recovery-threshold', '2', '--json']);
    expect(JSON.parse(init.stdout).recoveryFiles).toEqual([`${base}.1`, `${base}.2`, `${base}.3`]);
    expect(existsSync(base)).toBe(false);
    const rescue = otherTerminal(box, 'rescue');
    const newPass = secretFile(box, 'new.pass', NEW_PASSPHRASE);
    try {
      // One share is below the threshold: refused, nothing written.
      const single = await gmv(['recover', '--login', 'li.an', '--share', `${base}.2`, '--passphrase-file', newPass], { env: rescue.env });
      expect(single.code).toBe(11);
      expect(single.stderr).toContain('need at least 2 shares');
      const singleZh = await gmv(['recover', '--login', 'li.an', '--share', `${base}.2`, '--passphrase-file', newPass, '--lang', 'zh-CN'], { env: rescue.env });
      expect(singleZh.stderr).toContain('恢复密钥分片 无效：至少需要 2 个分片才能恢复，实际只有 1 个。');
      const twice = await gmv(['recover', '--login', 'li.an', '--share', `${base}.2`, '--share', `${base}.2`, '--passphrase-file', newPass], { env: rescue.env });
      expect(twice.code).toBe(11);
      expect(existsSync(rescue.paths.devicesDir)).toBe(false);
      expect(await audit(box.env, 'recovery.use')).toEqual([]);

      const recovered = await gmv(['recover', '--login', 'li.an', '--share', `${base}.1`, '--share', `${base}.3`, '--passphrase-file', newPass], { env: rescue.env });
      expect(recovered.code, recovered.stderr).toBe(0);
      expect(recovered.stdout).toMatch(/^li\.an can log in again on this terminal \(device [0-9a-f-]{36}\)\./);
      expect(recovered.stderr).toContain('WARNING: the organisation recovery key');
      const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', newPass], { env: rescue.env });
      expect(login.code, login.stderr).toBe(0);
      expect(await audit(box.env, 'recovery.use')).toMatchObject([{ outcome: 'ok', actor: 'li.an' }]);
    } finally {
      await lockAll(box.dir, [rescue.env]);
    }
  });

  it('a wrong recovery key is refused (5), audited, and changes nothing', async () => {
    const box = await sandbox(dialect);
    await initVault(box.env);
    // A genuine recovery key, but of another vault.
    const foreign = await sandbox('sqlite');
    await initVault(foreign.env);
    const rescue = otherTerminal(box, 'rescue');
    const newPass = secretFile(box, 'new.pass', NEW_PASSPHRASE);
    const devicesBefore = (await gmv(['device', 'list', '--json'], { env: box.env })).stdout;

    const wrong = await gmv(['recover', '--login', 'li.an', '--recovery-key', join(foreign.dir, 'recovery.asc'), '--passphrase-file', newPass], { env: rescue.env });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toBe('Error: The recovery key is not this vault\'s recovery key, or the shares do not combine into it.\n');
    expect(wrong.stdout).toBe('');

    const garbage = secretFile(box, 'garbage.asc', 'not a key at all\n');
    const bad = await gmv(['recover', '--login', 'li.an', '--recovery-key', garbage, '--passphrase-file', newPass], { env: rescue.env });
    expect(bad.code).toBe(5);

    const missing = await gmv(['recover', '--login', 'li.an', '--recovery-key', join(box.dir, 'nope.asc'), '--passphrase-file', newPass], { env: rescue.env });
    expect(missing.code).toBe(3);

    const uses = await audit(box.env, 'recovery.use');
    expect(uses.filter((e) => e.outcome === 'ok')).toHaveLength(0);
    expect(uses.filter((e) => e.outcome === 'denied')[0]).toMatchObject({ actor: 'li.an', details: { reason: 'unknown recovery key' } });
    expect((await gmv(['device', 'list', '--json'], { env: box.env })).stdout).toBe(devicesBefore);
    // No device key was left on the rescue terminal (only its record of the checkpoint it saw), and the officer's own terminal still works.
    expect(existsSync(rescue.paths.devicesDir) ? readdirSync(rescue.paths.devicesDir).filter((n) => !n.endsWith('.seen.json')) : []).toEqual([]);
    const stillOk = await gmv(['audit', 'checkpoint', 'export', '--out', join(box.dir, 'ev'), '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(stillOk.code, stillOk.stderr).toBe(0);
  });
});
