/**
 * `exposure` answers "which (item, version) could this person ever decrypt, and until when" in one
 * query, from wraps that are revoked, never deleted. Two people leave access here: an officer who
 * is demoted (everything escrowed under the org key while she held it, including what was escrowed
 * before she became an officer) and an editor whose grant is removed (every version wrapped for her).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { openVault } from '../../src/services/vault.js';
import { exposure, exposedAccounts } from '../../src/store/wraps.js';

/** The same change: the wrap's end and its audit entry are stamped within a moment of each other. */
const near = (a: string | null, b: string) => a !== null && Math.abs(Date.parse(a) - Date.parse(b)) < 5000;

const WANG = 'wang-fang-likes-long-walks-31';
const ZHAO = 'zhao-min-collects-old-maps-52';

describe.each(dialects())('exposure on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('lists the escrow a demoted officer held and every version a removed grantee was given', async () => {
    const box = await sandbox(dialect);
    const wang = otherTerminal(box, 'wang');
    const zhao = otherTerminal(box, 'zhao');
    terminals.push(box, wang, zhao);
    const run = async (args: string[], t: Sandbox, input?: string) => {
      const r = await gmv(args, { env: t.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await initVault(box.env);
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    await run(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], box);
    await run(['account', 'add', '--slug', 'douyin-news', '--platform', 'douyin', '--name', '沈阳新闻', '--unit', '宣传科'], box);
    await run(['grant', 'add', 'li.an', 'weibo-press', 'douyin-news', '--can', 'reveal,otp,manage'], box);
    // Escrowed before wang.fang becomes an officer: she can still open it with the org key.
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box, 'Weibo-Version-One-1');

    for (const [t, login, name, roles, pass] of [[wang, 'wang.fang', '王芳', 'security-officer', WANG], [zhao, 'zhao.min', '赵敏', 'editor', ZHAO]] as const) {
      await run(['staff', 'add', '--login', login, '--name', name, '--unit', '宣传科', '--roles', roles], box);
      await train(box.env, login, roles);
      const enroll = JSON.parse((await run(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], t, pass)).stdout);
      await run(['device', 'approve', enroll.code], box);
      await run(['login', '--login', login, '--passphrase-file', '-'], t, pass);
    }
    await run(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal'], box);
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box, 'Weibo-Version-Two-2');
    await run(['secret', 'set', 'douyin-news', '--field', 'password', '--from-file', '-'], box, 'Douyin-Version-One-1');
    await run(['staff', 'set-roles', 'wang.fang', '--roles', 'editor'], box);
    await run(['grant', 'remove', 'zhao.min', 'weibo-press'], box);
    // Written after both lost access: neither may appear.
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box, 'Weibo-Version-Three-3');
    await run(['secret', 'set', 'douyin-news', '--field', 'password', '--from-file', '-'], box, 'Douyin-Version-Two-2');

    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      const db = vault.store.db;
      const idOf = async (login: string) => Number((await db.selectFrom('people').select('id').where('login', '=', login).executeTakeFirstOrThrow()).id);
      const roleEntry = (await db.selectFrom('audit_entries').select(['at', 'action']).where('action', 'in', ['person.roles', 'grant.remove']).orderBy('seq').execute());
      const demotedAt = roleEntry.find((e) => e.action === 'person.roles')!.at;
      const removedAt = roleEntry.find((e) => e.action === 'grant.remove')!.at;

      const officer = await exposure(db, await idOf('wang.fang'));
      const escrowed = officer.filter((r) => r.via === 'org-key' && r.kind === 'credential').map((r) => `${r.account} v${r.version}`);
      expect(escrowed).toEqual(['douyin-news v1', 'weibo-press v1', 'weibo-press v2']);
      expect(officer.filter((r) => r.via === 'org-key').every((r) => near(r.until, demotedAt))).toBe(true);
      const heldKeys = officer.filter((r) => r.via === 'own-wrap').map((r) => r.kind).sort();
      expect(heldKeys).toEqual(['device-ca', 'org-key']);
      expect([...exposedAccounts(officer).values()].map((a) => `${a.account}:${a.versions.join(',')}`).sort()).toEqual(['douyin-news:1', 'weibo-press:1,2']);

      const grantee = await exposure(db, await idOf('zhao.min'));
      expect(grantee.map((r) => `${r.kind} ${r.account} v${r.version} ${r.via}`)).toEqual(['credential weibo-press v1 own-wrap', 'credential weibo-press v2 own-wrap']);
      expect(grantee.every((r) => near(r.until, removedAt))).toBe(true);

      // The officer who did all of this still holds the org key: everything escrowed, nothing ended.
      // The demotion re-keyed the organisation: what she held under the old key ends there, and
      // continues under the new one (the escrow re-wrapped), so each version is open to her now.
      const li = await exposure(db, await idOf('li.an'));
      const liEscrow = li.filter((r) => r.via === 'org-key' && r.kind === 'credential');
      expect([...new Set(liEscrow.map((r) => `${r.account} v${r.version}`))])
        .toEqual(['douyin-news v1', 'douyin-news v2', 'weibo-press v1', 'weibo-press v2', 'weibo-press v3']);
      for (const version of new Set(liEscrow.map((r) => `${r.account} v${r.version}`))) {
        expect(liEscrow.some((r) => `${r.account} v${r.version}` === version && r.until === null), version).toBe(true);
      }
      expect(li.filter((r) => r.via === 'own-wrap' && r.until === null && (r.kind === 'org-key' || r.kind === 'device-ca')).map((r) => r.kind).sort()).toEqual(['device-ca', 'org-key']);
    } finally {
      await vault.store.close();
    }

    // The same answer for the security officer on the command line, and for nobody else.
    const cli = JSON.parse((await run(['staff', 'exposure', 'zhao.min', '--json'], box)).stdout);
    expect(cli.accounts).toEqual(['weibo-press']);
    expect(cli.items.map((i: { version: number; until: string | null }) => [i.version, i.until !== null])).toEqual([[1, true], [2, true]]);
    const zh = await run(['staff', 'exposure', 'wang.fang', '--lang', 'zh-CN'], box);
    expect(zh.stdout).toContain('组织密钥（任安全管理员期间）');
    expect(zh.stdout).toContain('douyin-news, weibo-press');
    const refused = await gmv(['staff', 'exposure', 'li.an', '--json'], { env: zhao.env });
    expect(refused.code).toBe(4);
    expect(JSON.parse(refused.stdout).error.code).toBe('DENIED_ROLE');
  }, 400_000);
});
