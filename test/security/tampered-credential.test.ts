/**
 * Attacker: someone who can write the vault file changes a stored credential envelope — flips a
 * byte of its ciphertext, or swaps two accounts' newest envelopes and wraps so that a reveal of
 * one account would print the other's password. Expected: the reveal prints nothing, exits 6
 * (integrity) and names the account and version; never exit 1 "internal error", never the wrong
 * password with exit 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';

describe('a tampered credential envelope', () => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  async function vaultWithTwoAccounts(): Promise<Sandbox> {
    const box = await sandbox('sqlite');
    terminals.push(box);
    await initVault(box.env);
    await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    await train(box.env, 'li.an', 'security-officer');
    for (const [slug, platform, password] of [['weibo-press', 'weibo', 'Weibo-Press-Secret-1'], ['douyin-news', 'douyin', 'Douyin-News-Secret-2']] as const) {
      expect((await gmv(['account', 'add', '--slug', slug, '--platform', platform, '--name', slug, '--unit', '宣传科'], { env: box.env })).code).toBe(0);
      expect((await gmv(['grant', 'add', 'li.an', slug, '--can', 'reveal,otp,manage'], { env: box.env })).code).toBe(0);
      expect((await gmv(['secret', 'set', slug, '--field', 'password', '--from-file', '-'], { env: box.env, input: password })).code).toBe(0);
    }
    expect((await gmv(['secret', 'show', 'weibo-press'], { env: box.env })).stdout.trim()).toBe('Weibo-Press-Secret-1');
    return box;
  }

  async function sqlite(box: Sandbox, fn: (db: import('better-sqlite3').Database) => void): Promise<void> {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(box.paths.defaultVault);
    try {
      fn(db);
    } finally {
      db.close();
    }
  }

  it('with a flipped ciphertext byte exits 6 naming the account and version', async () => {
    const box = await vaultWithTwoAccounts();
    await sqlite(box, (db) => {
      const row = db.prepare("select v.id, v.envelope from credential_versions v join accounts a on a.id = v.account_id where a.slug = 'weibo-press'").get() as { id: number; envelope: string };
      // Each field is sealed apart: flip a byte of the password's ciphertext.
      const stored = JSON.parse(row.envelope);
      const envelope = stored.fields.password;
      const ct = Buffer.from(envelope.ct, 'base64');
      ct[0] = ct[0]! ^ 0x01;
      envelope.ct = ct.toString('base64');
      db.prepare('update credential_versions set envelope = ? where id = ?').run(JSON.stringify(stored), row.id);
    });
    const show = await gmv(['secret', 'show', 'weibo-press'], { env: box.env });
    expect(show.code, show.stderr).toBe(6);
    expect(show.stdout).not.toContain('Weibo-Press-Secret-1');
    expect(show.stderr).toContain('weibo-press');
    expect(show.stderr).toMatch(/version 1/);
    const json = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: box.env });
    expect(JSON.parse(json.stdout).error.code).toBe('CREDENTIAL_TAMPERED');
  });

  it('swapped with another account (envelope and wraps) exits 6 instead of printing the other password', async () => {
    const box = await vaultWithTwoAccounts();
    await sqlite(box, (db) => {
      const id = (slug: string) => (db.prepare('select id from accounts where slug = ?').get(slug) as { id: number }).id;
      const [a, b] = [id('weibo-press'), id('douyin-news')];
      db.pragma('foreign_keys = OFF');
      db.exec('begin');
      for (const [from, to] of [[a, -1], [b, a], [-1, b]]) {
        db.prepare('update credential_versions set account_id = ? where account_id = ?').run(to, from);
        db.prepare("update wraps set account_id = ? where account_id = ? and item_kind = 'credential'").run(to, from);
      }
      db.exec('commit');
    });
    const show = await gmv(['secret', 'show', 'weibo-press'], { env: box.env });
    expect(show.stdout).not.toContain('Douyin-News-Secret-2');
    expect(show.code, show.stderr).toBe(6);
    expect(show.stderr).toContain('weibo-press');
  });

  it('with its wrap removed is a denial naming the missing wrap, not a role problem', async () => {
    const box = await vaultWithTwoAccounts();
    await sqlite(box, (db) => {
      db.prepare("update wraps set revoked_at = '2026-01-01T00:00:00.000Z' where recipient = 'person' and item_kind = 'credential' and account_id = (select id from accounts where slug = 'weibo-press')").run();
    });
    const show = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: box.env });
    expect(show.code).toBe(4);
    expect(JSON.parse(show.stdout).error.code).toBe('NO_WRAP');
  });
});
