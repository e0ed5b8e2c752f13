/**
 * Threat: the vault file is replaced under a live session, and reveals leave no trace in it.
 *
 * Attacker's position: can write the folder the vault lives in (the same user, a sync client, a
 * careless restore) while an officer's session is open. They move another file over the vault's
 * path: here a copy of the same vault taken earlier, so every command started afterwards sees a
 * normal vault. The session agent kept the old file open and went on revealing from it, so the
 * reveals were audited only in a file nobody sees any more: the log users and auditors read shows
 * no reveal at all.
 *
 * What must hold: the agent checks before each request that the vault at the path is still the
 * one it opened (file device and inode, and the vault id), and refuses with VAULT_REPLACED (exit
 * 6), printing nothing of the secret; every reveal that does print is in the log of the file at
 * the vault's path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { audit, lockAll } from '../helpers/session-helpers.js';

const PASSWORD = 'Weibo-Press-Secret-42';

describe('a vault file moved over the path during a session', () => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    expect((await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,manage'], { env: box.env })).code).toBe(0);
    const set = await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], { env: box.env, input: PASSWORD });
    expect(set.code, set.stderr).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('the session refuses to reveal from the file it kept open, and every printed reveal is in the visible log', async () => {
    // The agent now has the vault open.
    const first = await gmv(['secret', 'show', 'weibo-press'], { env: box.env });
    expect(first.stdout).toBe(`${PASSWORD}\n`);

    // The attacker's copy: the same vault as it is now, moved over the path.
    const path = (box.target as { path: string }).path;
    const copy = `${path}.copy`;
    const db = new Database(path, { readonly: true });
    db.exec(`vacuum into '${copy}'`);
    db.close();
    renameSync(copy, path);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    const visibleBefore = (await audit(box.env, 'secret.reveal')).length;

    const replaced = await gmv(['secret', 'show', 'weibo-press'], { env: box.env });
    expect(replaced.stdout).not.toContain(PASSWORD);
    expect(replaced.code, replaced.stderr).toBe(6);
    expect(replaced.stderr).toBe(`Error: The vault at ${path} is no longer the one this session opened (the file or database was replaced): nothing was done. Find out who replaced it, then log in again with: gmv login\n`);
    const json = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: box.env });
    if (json.code !== 0) expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'VAULT_REPLACED', exit: 6 } });

    // Whatever was printed since the replacement is in the log of the file at the path.
    const printed = [replaced, json].filter((r) => r.stdout.includes(PASSWORD)).length;
    expect((await audit(box.env, 'secret.reveal')).length).toBe(visibleBefore + printed);
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
  });
});
