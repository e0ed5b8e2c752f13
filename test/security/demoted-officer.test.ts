/**
 * Attacker: a security officer whose role is taken away keeps a terminal and a session. Afterwards
 * gmv must no longer hand them the organisation and device-CA keys, so their agent cannot open the
 * org key (and with it the escrow of every credential) through gmv. The wraps stay on record with
 * the moment they stopped applying: what the officer could have opened until then is exposure that
 * offboarding must rotate away, not something to forget.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox, otherTerminal, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';

describe('an officer who loses the role', () => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('has the organisation and device-CA key wraps revoked (kept on record) in the same change', async () => {
    const box = await sandbox('sqlite');
    const second = otherTerminal(box, 'wang');
    terminals.push(box, second);
    await initVault(box.env);
    await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    await gmv(['staff', 'add', '--login', 'wang.fang', '--name', '王芳', '--unit', '宣传科', '--roles', 'security-officer'], { env: box.env });
    const enroll = JSON.parse((await gmv(['device', 'enroll', '--login', 'wang.fang', '--passphrase-file', '-', '--json'], { env: second.env, input: 'wang-fang-likes-long-walks-31' })).stdout);
    await gmv(['device', 'approve', enroll.code], { env: box.env });
    // A second officer receives the officer keys at approval, so she can take over.
    await gmv(['login', '--login', 'wang.fang', '--passphrase-file', '-'], { env: second.env, input: 'wang-fang-likes-long-walks-31' });
    expect((await gmv(['audit', 'checkpoint', 'export', '--out', `${box.dir}/by-wang`], { env: second.env })).code).toBe(0);
    const before = await gmv(['audit', 'checkpoint', 'export', '--out', `${box.dir}/e1`], { env: box.env });
    expect(before.code, before.stderr).toBe(0);
    const demote = await gmv(['staff', 'set-roles', 'li.an', '--roles', 'editor'], { env: second.env });
    expect(demote.code, demote.stderr).toBe(0);
    const entry = JSON.parse((await gmv(['audit', 'log', '--action', 'person.roles', '--json'], { env: box.env })).stdout).entries.at(-1);
    expect(entry.details).toMatchObject({ from: ['security-officer'], to: ['editor'], officer_key_wraps_revoked: 2 });
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(box.paths.defaultVault, { readonly: true });
    const wraps = db.prepare("select w.item_kind, w.revoked_at, w.revoked_reason from wraps w join people p on p.id = w.person_id where p.login = 'li.an' and w.item_kind in ('org-key', 'device-ca') order by w.item_kind").all() as { item_kind: string; revoked_at: string | null; revoked_reason: string | null }[];
    db.close();
    expect(wraps.map((w) => w.item_kind)).toEqual(['device-ca', 'org-key']);
    expect(wraps.every((w) => w.revoked_at !== null && w.revoked_at <= entry.at && w.revoked_reason === 'role-removed')).toBe(true);
    const after = await gmv(['audit', 'checkpoint', 'export', '--out', `${box.dir}/e2`], { env: box.env });
    expect(after.code).toBe(4);
  });
});
