/**
 * A PostgreSQL URL's own settings hold for every connection gmv makes: a unit that keeps its vault
 * in a schema of its own names it in the URL (`?options=-c search_path=…`) or in PGOPTIONS, and the
 * listings and `audit verify`, which open a read-only connection of their own, must read that schema
 * too, not `public`. pg sends one startup `options` string, so gmv's own settings (read-only, no
 * JIT) are SET on each session instead of replacing the unit's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freshPostgresUrl, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { connectPostgres } from '../../src/store/driver.js';

describe.skipIf(!inject('pgUrl'))('a PostgreSQL URL with its own options', () => {
  let box: Sandbox;
  let env: Record<string, string>;
  let plain: string;
  const run = async (args: string[], input?: string) => {
    const r = await gmv(args, { env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  beforeAll(async () => {
    box = await sandbox('sqlite');
    plain = await freshPostgresUrl();
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: plain });
    await admin.connect();
    try {
      await admin.query('create schema press_vault');
    } finally {
      await admin.end();
    }
    const url = new URL(plain);
    url.searchParams.set('options', '-c search_path=press_vault');
    env = { ...box.env, GMV_DATABASE_URL: url.toString() };
    expect((await initVault(env)).code).toBe(0);
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], OFFICER_PASSPHRASE);
    await train(env, 'li.an', 'security-officer');
    await run(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'Press office', '--unit', '宣传科']);
  });
  afterAll(async () => {
    await gmv(['lock'], { env });
  });

  it('keeps the vault in the named schema and leaves public empty', async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: plain });
    await client.connect();
    try {
      const tables = await client.query("select table_schema, count(*)::int as n from information_schema.tables where table_name in ('accounts', 'audit_entries') group by table_schema");
      expect(tables.rows).toEqual([{ table_schema: 'press_vault', n: 2 }]);
    } finally {
      await client.end();
    }
  });

  it('lists the register and the audit log from that schema through the read-only listing path', async () => {
    const list = await run(['account', 'list', '--json']);
    // Nothing but gmv's own words on stderr (pg warns there of a query queued behind another).
    expect(list.stderr).not.toMatch(/DeprecationWarning/);
    expect((JSON.parse(list.stdout) as { accounts: { slug: string }[] }).accounts.map((a) => a.slug)).toEqual(['weibo-press']);
    const log = await run(['audit', 'log', '--action', 'account.add', '--json']);
    expect((JSON.parse(log.stdout) as { entries: { subject: string }[] }).entries.map((e) => e.subject)).toEqual(['weibo-press']);
    await run(['audit', 'verify']);
  });

  it('a read-only connection keeps both the URL\'s search_path and its own refusal to write', async () => {
    const pool = await connectPostgres(env.GMV_DATABASE_URL!, 1, { readOnly: true });
    try {
      const show = async (setting: string) => (await pool.query(`show ${setting}`)).rows[0]![setting] as string;
      expect(await show('search_path')).toBe('press_vault');
      expect(await show('default_transaction_read_only')).toBe('on');
      expect(await show('jit')).toBe('off');
      await expect(pool.query("insert into accounts (slug) values ('x')")).rejects.toThrow(/read-only transaction/);
    } finally {
      await pool.end();
    }
  });

  it('every new session of a pool takes the settings before its first query, however it is opened', async () => {
    const warnings: string[] = [];
    const warned = (warning: Error) => warnings.push(warning.message);
    process.on('warning', warned);
    const pool = await connectPostgres(env.GMV_DATABASE_URL!, 3, { readOnly: true });
    try {
      // Three at once: the probe's session and two new ones, opened by pool.query itself.
      const shown = await Promise.all([1, 2, 3].map(() => pool.query("select current_setting('default_transaction_read_only') as ro, current_setting('jit') as jit, pg_backend_pid() as pid")));
      expect(new Set(shown.map((r) => r.rows[0].pid)).size).toBe(3);
      expect(shown.map((r) => [r.rows[0].ro, r.rows[0].jit])).toEqual([['on', 'off'], ['on', 'off'], ['on', 'off']]);
    } finally {
      await pool.end();
      process.off('warning', warned);
    }
    expect(warnings).toEqual([]);
  });

  it('the schema named in PGOPTIONS instead holds for every command too', async () => {
    const viaEnv = { ...box.env, GMV_DATABASE_URL: plain, PGOPTIONS: '-c search_path=press_vault' };
    const list = await gmv(['account', 'list', '--json'], { env: viaEnv });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { accounts: { slug: string }[] }).accounts.map((a) => a.slug)).toEqual(['weibo-press']);
    const show = await gmv(['account', 'show', 'weibo-press', '--json'], { env: viaEnv });
    expect(show.code, show.stderr).toBe(0);
    expect((await gmv(['audit', 'verify'], { env: viaEnv })).code).toBe(0);
  });
});
