/**
 * Threat: racing logins leave an orphan agent holding the key.
 *
 * Attacker's position: a process of the same user (or a second terminal window, or a script run
 * twice) starts `gmv login` while another is running on the same terminal. Each found no session,
 * each started an agent, and the second deleted the first's socket before binding its own: the
 * first agent lived on with the unlocked key, unreachable by `gmv lock` (which then reports the
 * session locked) until its idle timeout, and anything that finds it (ptrace, /proc) gets a key
 * nobody can end.
 *
 * What must hold: after any number of racing logins exactly one agent process holds the key and
 * answers; `gmv lock` ends it, and then no agent process remains. A command still holding the
 * session it found before a new login (and told to lock it, say after a refusal at the door) does
 * not end the new session that has taken the socket since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';
import { agentSockets, socketOwners } from '../helpers/agent-process.js';
import { findSession } from '../../src/agent/client.js';

describe('three logins at once on one terminal', () => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    // No back-off, so that every racing login gets through to start an agent.
    const policy = join(box.dir, 'policy.yaml');
    writeFileSync(policy, readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8').replace(/backoff_seconds: \d+/, 'backoff_seconds: 0'));
    await initVault(box.env, ['--policy', policy]);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  const owners = (): number[] => agentSockets(box.paths.runtimeDir).flatMap((s) => socketOwners(s));

  it('leave exactly one agent, and gmv lock leaves none', async () => {
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all([0, 1, 2].map(() => gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })));
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      // A replaced agent exits right after its lock; give it a moment.
      const deadline = Date.now() + 5000;
      while (owners().length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(owners()).toHaveLength(1);
      expect(parse<{ login: string }>(await gmv(['whoami', '--json'], { env: box.env })).login).toBe('li.an');
    }
    expect((await gmv(['lock'], { env: box.env })).code).toBe(0);
    const deadline = Date.now() + 5000;
    while (owners().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(owners()).toEqual([]);
  });

  it('a client of the session a login replaced cannot lock the new one', async () => {
    const login = () => gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect((await login()).code).toBe(0);
    const [socket] = agentSockets(box.paths.runtimeDir);
    const earlier = (await findSession(socket!))!;
    expect((await login()).code).toBe(0);
    await earlier.lock();
    const now = parse<{ login: string; startedAt: string }>(await gmv(['whoami', '--json'], { env: box.env }));
    expect(now.login).toBe('li.an');
    expect(now.startedAt > earlier.session.startedAt).toBe(true);
    // The client of the live session still locks it.
    await (await findSession(socket!))!.lock();
    expect((await gmv(['whoami'], { env: box.env })).code).toBe(5);
  });
});
