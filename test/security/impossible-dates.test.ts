/**
 * Threat: an impossible date typed on the command line rolls over into another day.
 *
 * Attacker's position: an officer's script or a careless (or hurried) person types a date gmv
 * should not accept: `2027-02-30T00:00Z` silently became 2 March, so a grant meant to end in
 * February lasted into March, an audit query missed or included the wrong days, and a binding's
 * day stored a timestamp that later crashed the expiry computation.
 *
 * What must hold: every flag that takes a date refuses an impossible day (exit 2, naming the
 * flag), in both forms (day and timestamp); flags that take a day only (filing dates, binding
 * dates) refuse timestamps instead of storing them; nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

describe('impossible days on every date flag', () => {
  let box: Sandbox;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['account', 'add', '--slug', 'wechat-oa-main', '--platform', 'wechat-oa', '--name', '沈阳发布', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  const refused = async (args: string[], flag: string) => {
    const r = await gmv(args, { env: box.env });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toContain(`--${flag}`);
  };

  it('grant and audit flags refuse 30 February as a day and as a timestamp', async () => {
    for (const value of ['2027-02-30', '2027-02-30T00:00Z', '2027-02-29T12:00:00+08:00', '2027-13-01T00:00Z', '2027-04-31T23:59Z']) {
      await refused(['grant', 'add', 'li.an', 'wechat-oa-main', '--until', value], 'until');
      await refused(['audit', 'log', '--since', value], 'since');
      await refused(['audit', 'log', '--until', value], 'until');
    }
    expect(parse<{ grants: unknown[] }>(await gmv(['grant', 'list', '--json'], { env: box.env })).grants).toEqual([]);
  });

  it('day-only flags refuse impossible days and timestamps, and store nothing', async () => {
    for (const value of ['2027-02-30', '2027-02-28T00:00Z', '2027-02-30T00:00Z']) {
      await refused(['account', 'add', '--slug', 'weibo-x', '--platform', 'weibo', '--name', 'X', '--unit', '宣传科', '--filed-on', value], 'filed-on');
      await refused(['account', 'set', 'wechat-oa-main', '--filed-on', value], 'filed-on');
      await refused(['binding', 'add', 'wechat-oa-main', '--role', 'short-term-operator', '--external', '王五', '--bound-on', value], 'bound-on');
      await refused(['binding', 'add', 'wechat-oa-main', '--role', 'short-term-operator', '--external', '王五', '--until', value], 'until');
    }
    const accounts = parse<{ accounts: { slug: string; filedOn: string | null }[] }>(await gmv(['account', 'list', '--json'], { env: box.env })).accounts;
    expect(accounts.map((a) => a.slug)).toEqual(['wechat-oa-main']);
    expect(parse<{ bindings: unknown[] }>(await gmv(['binding', 'list', '--json'], { env: box.env })).bindings).toEqual([]);
  });

  it('real days are still accepted where a day is asked', async () => {
    const set = await gmv(['account', 'set', 'wechat-oa-main', '--filed-on', '2028-02-29'], { env: box.env });
    expect(set.code, set.stderr).toBe(0);
    const added = parse<{ binding: { boundOn: string; until: string } }>(await gmv(['binding', 'add', 'wechat-oa-main', '--role', 'short-term-operator', '--external', '王五', '--bound-on', '2027-02-28', '--json'], { env: box.env }));
    expect(added.binding).toMatchObject({ boundOn: '2027-02-28', until: '2027-03-30' });
  });
});
