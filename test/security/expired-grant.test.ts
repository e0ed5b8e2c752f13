/**
 * Threat: a grant given `--until` lapses, but the person saw the password while it held. Expiry is
 * a removal: the account is due for rotation from the moment it lapses (`gmv rotate due` shows it
 * at once), and the next change ends the grant for good — its wraps revoked, a `grant.expire`
 * entry, the rotation queued — so the queue does not depend on anyone noticing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { audit } from '../helpers/session-helpers.js';
import { openVault } from '../../src/services/vault.js';
import { exposure } from '../../src/store/wraps.js';

const ZHAO = 'zhao-min-collects-old-maps-52';

describe.each(dialects())('an expired grant on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('puts the account in the rotation queue and is ended, wraps revoked, by the next change', async () => {
    const box = await sandbox(dialect);
    const zhao = otherTerminal(box, 'zhao');
    terminals.push(box, zhao);
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
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box, 'Weibo-Version-One-1');
    await run(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box);
    await train(box.env, 'zhao.min', 'editor');
    const enroll = JSON.parse((await run(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], zhao, ZHAO)).stdout);
    await run(['device', 'approve', enroll.code], box);
    await run(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao, ZHAO);

    const until = new Date(Date.now() + 30_000);
    await run(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal', '--until', until.toISOString()], box);
    expect((await run(['secret', 'show', 'weibo-press'], zhao)).stdout).toContain('Weibo-Version-One-1');
    let due = JSON.parse((await run(['rotate', 'due', '--json'], box)).stdout);
    expect(JSON.stringify(due)).not.toContain('weibo-press');

    await new Promise((r) => setTimeout(r, until.getTime() - Date.now() + 500));
    // Refused once expired, and already due for rotation before any change has been made.
    const refused = await gmv(['secret', 'show', 'weibo-press'], { env: zhao.env });
    expect(refused.code).toBe(4);
    due = JSON.parse((await run(['rotate', 'due', '--json'], box)).stdout);
    const item = due.due.find((i: { slug: string }) => i.slug === 'weibo-press');
    expect(item, JSON.stringify(due)).toMatchObject({ slug: 'weibo-press', reason: 'access-removed' });
    expect(item.detail).toContain('zhao.min');
    expect(JSON.stringify(due)).not.toContain('douyin-news');

    // The next change (any grant change) ends it: wraps revoked, entry written, rotation queued.
    await run(['grant', 'add', 'li.an', 'douyin-news', '--can', 'reveal,otp,manage'], box);
    const expiredEntries = await audit(box.env, 'grant.expire');
    expect(expiredEntries).toHaveLength(1);
    expect(expiredEntries[0]).toMatchObject({ subject: 'weibo-press', details: { person: 'zhao.min', reason: 'grant-expired', wraps_revoked: 1 } });
    expect(String(expiredEntries[0]!.details.rotation_due)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    due = JSON.parse((await run(['rotate', 'due', '--json'], box)).stdout);
    expect(due.due.filter((i: { slug: string }) => i.slug === 'weibo-press')).toHaveLength(1);
    expect(JSON.parse((await run(['grant', 'list', '--json'], box)).stdout).grants.map((g: { login: string }) => g.login)).not.toContain('zhao.min');

    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      const person = await vault.store.db.selectFrom('people').select('id').where('login', '=', 'zhao.min').executeTakeFirstOrThrow();
      const exposed = await exposure(vault.store.db, Number(person.id));
      const weibo = exposed.filter((e) => e.kind === 'credential');
      expect(weibo.map((e) => e.version)).toEqual([1]);
      expect(weibo[0]!.until).not.toBeNull();
    } finally {
      await vault.store.close();
    }

    // Confirming the rotation answers it: the queue is empty again.
    await run(['rotate', 'start', 'weibo-press'], box);
    await run(['rotate', 'confirm', 'weibo-press'], box);
    due = JSON.parse((await run(['rotate', 'due', '--json'], box)).stdout);
    expect(JSON.stringify(due)).not.toContain('weibo-press');
  }, 400_000);
});
