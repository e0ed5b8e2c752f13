/**
 * Sessions as a user meets them, on each dialect: commands that need one say "gmv login" (exit 5),
 * lock and logout end them (logout audited), the policy's idle time ends them, a new login replaces
 * the old one, and a passphrase change takes effect at the next login.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse, audit } from '../helpers/session-helpers.js';

const NEW_PASSPHRASE = 'cedar-terrace-8W-moon-gate';

/** The shipped policy with some values replaced (`section.key` → value). */
function policyFile(dir: string, name: string, changes: Record<string, string>): string {
  let text = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8');
  for (const [path, value] of Object.entries(changes)) {
    const [section, key] = path.split('.') as [string, string];
    const pattern = new RegExp(`(\\n${section}:\\n(?:(?:  .*|\\s*#.*)?\\n)*?  ${key}: )[^\\n]+`);
    expect(pattern.test(text), `policy has ${path}`).toBe(true);
    text = text.replace(pattern, `$1${value}`);
  }
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Pids of live processes holding a listening Unix socket bound to `path`. */
function socketOwners(path: string): number[] {
  const inodes = new Set(readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/)).filter((f) => f[7] === path).map((f) => f[6]!));
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue;
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m && inodes.has(m[1]!)) { pids.push(Number(entry)); break; }
      }
    } catch {
      // The process ended or is not ours to inspect.
    }
  }
  return pids;
}

function agentSockets(box: Sandbox): string[] {
  const run = join(box.env.XDG_CONFIG_HOME!, 'gmv', 'run');
  try {
    return readdirSync(run).filter((n) => n.endsWith('.sock')).map((n) => join(run, n));
  } catch {
    return [];
  }
}

const login = (box: Sandbox, passphrase = OFFICER_PASSPHRASE) => gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: passphrase });

describe.each(dialects())('sessions on %s', (dialect) => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox(dialect);
    // No back-off, so that a refused login does not make the next one wait.
    await initVault(box.env, ['--policy', policyFile(box.dir, 'policy.yaml', { 'login.backoff_seconds': '0' })]);
  });

  afterEach(async () => {
    if (box) await gmv(['lock'], { env: box.env });
  });

  it('commands that need a session say so (exit 5, "gmv login") and change nothing', async () => {
    const entries = (await audit(box.env)).length;
    const needSession: string[][] = [
      ['whoami'],
      ['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'],
      ['staff', 'set-roles', 'li.an', '--roles', 'auditor'],
      ['staff', 'unlock', 'li.an'],
      ['unit', 'add', '法制科'],
      ['device', 'approve', 'ABCDE-FGHJK'],
      ['device', 'revoke', '00000000-0000-0000-0000-000000000000', '--reason', 'test'],
      ['mfa', 'enroll'],
      ['passphrase', 'change', '--passphrase-file', '-', '--new-passphrase-file', '/dev/null'],
    ];
    for (const args of needSession) {
      const result = await gmv(args, { env: box.env });
      expect(result.code, args.join(' ')).toBe(5);
      expect(result.stderr, args.join(' ')).toBe('Error: No active session on this terminal (never started, locked or expired). Log in with: gmv login --login HANDLE\n');
      expect(result.stdout, args.join(' ')).toBe('');
    }
    const json = await gmv(['unit', 'add', '法制科', '--json'], { env: box.env });
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'SESSION_REQUIRED', exit: 5 } });
    const zh = await gmv(['whoami', '--lang', 'zh-CN'], { env: box.env });
    expect(zh.code).toBe(5);
    expect(zh.stderr).toContain('请登录：gmv login --login 登录名');

    // Read-only commands need no session.
    expect((await gmv(['staff', 'list'], { env: box.env })).code).toBe(0);
    expect((await audit(box.env)).length).toBe(entries);
    expect(parse<{ units: { name: string }[] }>(await gmv(['unit', 'list', '--json'], { env: box.env })).units.map((u) => u.name)).toEqual(['宣传科']);
  });

  it('gmv lock ends the session: whoami and officer commands say "gmv login" again', async () => {
    const started = await login(box);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^Logged in as li\.an\. The session locks when idle \(next: \S+\) and ends at \S+\.\n$/);
    expect((await gmv(['whoami'], { env: box.env })).stdout).toMatch(/^li\.an \(李安\) on device [0-9a-f-]{36}; idle lock at /);
    const [socket] = agentSockets(box);
    expect(socket).toBeDefined();
    const agents = socketOwners(socket!);
    expect(agents).toHaveLength(1);

    const locked = await gmv(['lock'], { env: box.env });
    expect(locked.code).toBe(0);
    expect(locked.stdout).toBe('Locked: the key of li.an is no longer in memory.\n');
    const who = await gmv(['whoami'], { env: box.env });
    expect(who.code).toBe(5);
    expect(who.stderr).toContain('Log in with: gmv login');
    expect((await gmv(['unit', 'add', '法制科'], { env: box.env })).code).toBe(5);
    // The agent is gone with its socket.
    await new Promise((r) => setTimeout(r, 300));
    expect(socketOwners(socket!)).toEqual([]);
    expect(agentSockets(box)).toEqual([]);

    const again = await gmv(['lock', '--json'], { env: box.env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ locked: false, login: null });
    // Lock is not audited; login is.
    expect(await audit(box.env, 'session.logout')).toEqual([]);
  });

  it('gmv logout ends the session and leaves a session.logout entry', async () => {
    expect((await login(box)).code).toBe(0);
    const device = parse<{ deviceId: string }>(await gmv(['whoami', '--json'], { env: box.env })).deviceId;
    const before = (await audit(box.env, 'session.logout')).length;
    const out = await gmv(['logout'], { env: box.env });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('Logged out li.an.\n');
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(5);
    const entries = await audit(box.env, 'session.logout');
    expect(entries).toHaveLength(before + 1);
    expect(entries.at(-1)).toMatchObject({ actor: 'li.an', subject: device, outcome: 'ok' });

    const none = await gmv(['logout'], { env: box.env });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('No active session on this terminal.\n');
    expect(await audit(box.env, 'session.logout')).toHaveLength(before + 1);
  });

  it('a session\'s changes are signed with the person\'s key, through the agent, and verify', async () => {
    expect((await login(box)).code).toBe(0);
    const { openStore } = await import('../../src/store/store.js');
    const lastSigner = async () => {
      const store = await openStore(box.target, { mode: 'open' });
      try {
        const cp = await store.db.selectFrom('audit_checkpoints').select('signer_fingerprint').orderBy('id', 'desc').executeTakeFirstOrThrow();
        const key = await store.db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
          .select('person_keys.fingerprint').where('people.login', '=', 'li.an').where('person_keys.status', '=', 'active').executeTakeFirstOrThrow();
        return { signer: cp.signer_fingerprint, personKey: key.fingerprint };
      } finally {
        await store.close();
      }
    };
    const added = await gmv(['staff', 'add', '--login', 'signer.test', '--name', 'Signer Test', '--unit', '宣传科', '--roles', 'editor'], { env: box.env });
    expect(added.code, added.stderr).toBe(0);
    const { signer, personKey } = await lastSigner();
    expect(signer).toBe(personKey);
    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ unsignedTail: 0 });
  });

  it('a new login replaces the old session (one agent per terminal)', async () => {
    const logins = (await audit(box.env, 'session.login')).length;
    expect((await login(box)).code).toBe(0);
    const first = parse<{ startedAt: string }>(await gmv(['whoami', '--json'], { env: box.env }));
    const [socket] = agentSockets(box);
    const firstAgents = socketOwners(socket!);
    expect(firstAgents).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));

    const second = await login(box);
    expect(second.code, second.stderr).toBe(0);
    const now = parse<{ startedAt: string; login: string }>(await gmv(['whoami', '--json'], { env: box.env }));
    expect(now.login).toBe('li.an');
    expect(now.startedAt > first.startedAt).toBe(true);
    expect(agentSockets(box)).toEqual([socket]);
    const secondAgents = socketOwners(socket!);
    expect(secondAgents).toHaveLength(1);
    expect(secondAgents[0]).not.toBe(firstAgents[0]);
    // The first agent has exited (or is exiting) and no longer serves anything.
    await new Promise((r) => setTimeout(r, 300));
    let firstAlive = false;
    try {
      firstAlive = !/^State:\s+Z/m.test(readFileSync(`/proc/${firstAgents[0]}/status`, 'utf8'));
    } catch {
      firstAlive = false;
    }
    expect(firstAlive).toBe(false);
    expect((await audit(box.env, 'session.login')).filter((e) => e.outcome === 'ok')).toHaveLength(logins + 2);
  });

  it('passphrase change: the current one is checked, then only the new one logs in', async () => {
    expect((await login(box)).code).toBe(0);
    const oldFile = join(box.dir, 'old.pass');
    const newFile = join(box.dir, 'new.pass');
    const wrongFile = join(box.dir, 'wrong.pass');
    const weakFile = join(box.dir, 'weak.pass');
    writeFileSync(oldFile, OFFICER_PASSPHRASE);
    writeFileSync(newFile, NEW_PASSPHRASE);
    writeFileSync(wrongFile, `${OFFICER_PASSPHRASE}-nope`);
    writeFileSync(weakFile, 'short');
    const changes = () => audit(box.env, 'person.passphrase');

    const wrong = await gmv(['passphrase', 'change', '--passphrase-file', wrongFile, '--new-passphrase-file', newFile], { env: box.env });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toContain('Authentication failed for li.an');
    const weak = await gmv(['passphrase', 'change', '--passphrase-file', oldFile, '--new-passphrase-file', weakFile], { env: box.env });
    expect(weak.code).toBe(11);
    expect(weak.stderr).toContain('Passphrase rejected: shorter than 12 characters');
    const same = await gmv(['passphrase', 'change', '--passphrase-file', oldFile, '--new-passphrase-file', oldFile], { env: box.env });
    expect(same.code).toBe(11);
    expect(same.stderr).toContain('it is the current passphrase');
    expect(await changes()).toEqual([]);

    const changed = await gmv(['passphrase', 'change', '--passphrase-file', oldFile, '--new-passphrase-file', newFile], { env: box.env });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toBe('Passphrase changed for li.an on this terminal. Other terminals keep their passphrase until you change it there.\n');
    expect(await changes()).toMatchObject([{ actor: 'li.an', outcome: 'ok' }]);

    expect((await gmv(['lock'], { env: box.env })).code).toBe(0);
    const old = await login(box, OFFICER_PASSPHRASE);
    expect(old.code).toBe(5);
    expect(old.stderr).toContain('Authentication failed for li.an');
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(5);
    const fresh = await login(box, NEW_PASSPHRASE);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(parse(await gmv(['whoami', '--json'], { env: box.env }))).toMatchObject({ login: 'li.an' });
    // Without a session, --login names whose passphrase changes.
    await gmv(['lock'], { env: box.env });
    const back = await gmv(['passphrase', 'change', '--login', 'li.an', '--passphrase-file', newFile, '--new-passphrase-file', oldFile], { env: box.env });
    expect(back.code, back.stderr).toBe(0);
    expect((await login(box, OFFICER_PASSPHRASE)).code).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });
});

describe.each(dialects())('session expiry on %s', (dialect) => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env, ['--policy', policyFile(box.dir, 'short.yaml', { 'session.idle_minutes': '0.05' })]);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('an idle session ends after the policy\'s idle time (3 s): exit 5, nothing done', async () => {
    const started = parse<{ startedAt: string; idleExpiresAt: string }>(await gmv(['login', '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE }));
    expect(Date.parse(started.idleExpiresAt) - Date.parse(started.startedAt)).toBe(3000);
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(0);
    const [socket] = agentSockets(box);

    await new Promise((r) => setTimeout(r, 4000));
    const who = await gmv(['whoami'], { env: box.env });
    expect(who.code).toBe(5);
    expect(who.stderr).toContain('(never started, locked or expired)');
    const add = await gmv(['unit', 'add', '法制科'], { env: box.env });
    expect(add.code).toBe(5);
    expect(parse<{ units: unknown[] }>(await gmv(['unit', 'list', '--json'], { env: box.env })).units).toHaveLength(1);
    // The agent wiped the key and exited on its own.
    expect(socketOwners(socket!)).toEqual([]);
  });
});
