/**
 * Attacker: someone who can write the vault database (the SQLite file, or the PostgreSQL
 * credentials every user of a shared vault has) wants a reveal to hand out a password they
 * choose or know: they delete the newest versions so `secret show` prints a stale password they
 * saw before, copy a version forward, or swap two accounts' slugs so one reveals the other's.
 * Expected: each reveal prints nothing, exits 6 and names the account; never exit 0 with the
 * wrong password. The newest version is covered by the audit log, the envelope by its header.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { openStore } from '../../src/store/store.js';
import type { DB } from '../../src/store/schema.js';

describe.each(dialects())('a rolled-back or re-labelled credential on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  async function vaultWithVersions(): Promise<Sandbox> {
    const box = await sandbox(dialect);
    terminals.push(box);
    await initVault(box.env);
    const run = async (args: string[], input?: string) => {
      const r = await gmv(args, { env: box.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    for (const [slug, platform] of [['weibo-press', 'weibo'], ['douyin-news', 'douyin']] as const) {
      await run(['account', 'add', '--slug', slug, '--platform', platform, '--name', slug, '--unit', '宣传科']);
      await run(['grant', 'add', 'li.an', slug, '--can', 'reveal,otp,manage']);
    }
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], 'Old-Weibo-Password-1');
    await run(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], 'New-Weibo-Password-2');
    await run(['secret', 'set', 'douyin-news', '--field', 'password', '--from-file', '-'], 'Douyin-Password-3');
    expect((await run(['secret', 'show', 'weibo-press'])).stdout.trim()).toBe('New-Weibo-Password-2');
    return box;
  }

  async function write(box: Sandbox, fn: (db: Kysely<DB>) => Promise<void>): Promise<void> {
    const store = await openStore(box.target, { mode: 'open' });
    try {
      await fn(store.db);
    } finally {
      await store.close();
    }
  }

  const accountId = async (db: Kysely<DB>, slug: string) => Number((await db.selectFrom('accounts').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id);

  async function expectIntegrityFailure(box: Sandbox, code: string, forbidden: string[]) {
    const show = await gmv(['secret', 'show', 'weibo-press'], { env: box.env });
    for (const p of forbidden) expect(show.stdout).not.toContain(p);
    expect(show.code, show.stderr).toBe(6);
    expect(show.stderr).toContain('weibo-press');
    const json = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: box.env });
    expect(JSON.parse(json.stdout).error.code).toBe(code);
  }

  it('with its newest version deleted (rows and wraps) refuses the stale password', async () => {
    const box = await vaultWithVersions();
    await write(box, async (db) => {
      const id = await accountId(db, 'weibo-press');
      await db.deleteFrom('wraps').where('item_kind', '=', 'credential').where('account_id', '=', id).where('item_version', '=', 2).execute();
      await db.deleteFrom('credential_versions').where('account_id', '=', id).where('version', '=', 2).execute();
    });
    await expectIntegrityFailure(box, 'CREDENTIAL_ROLLBACK', ['Old-Weibo-Password-1', 'New-Weibo-Password-2']);
  }, 240_000);

  it('with a version copied forward (a planted newer version) refuses it', async () => {
    const box = await vaultWithVersions();
    await write(box, async (db) => {
      const id = await accountId(db, 'weibo-press');
      const v1 = await db.selectFrom('credential_versions').selectAll().where('account_id', '=', id).where('version', '=', 1).executeTakeFirstOrThrow();
      const { id: _row, ...copy } = v1;
      await db.insertInto('credential_versions').values({ ...copy, version: 3 }).execute();
      const wraps = await db.selectFrom('wraps').selectAll().where('item_kind', '=', 'credential').where('account_id', '=', id).where('item_version', '=', 1).execute();
      for (const { id: _w, ...w } of wraps) await db.insertInto('wraps').values({ ...w, item_version: 3 }).execute();
    });
    await expectIntegrityFailure(box, 'CREDENTIAL_ROLLBACK', ['Old-Weibo-Password-1']);
  }, 240_000);

  it('with two accounts\' slugs swapped refuses to reveal the other account\'s password', async () => {
    const box = await vaultWithVersions();
    await write(box, async (db) => {
      const [a, b] = [await accountId(db, 'weibo-press'), await accountId(db, 'douyin-news')];
      await db.updateTable('accounts').set({ slug: 'swap-tmp' }).where('id', '=', a).execute();
      await db.updateTable('accounts').set({ slug: 'weibo-press' }).where('id', '=', b).execute();
      await db.updateTable('accounts').set({ slug: 'douyin-news' }).where('id', '=', a).execute();
    });
    const show = await gmv(['secret', 'show', 'weibo-press'], { env: box.env });
    expect(show.stdout).not.toContain('Douyin-Password-3');
    expect(show.code, show.stderr).toBe(6);
    expect(show.stderr).toContain('weibo-press');
  }, 240_000);
});
