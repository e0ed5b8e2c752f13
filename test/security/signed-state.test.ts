/**
 * Attacker: a staff member who can write the database (the SQLite file, or the PostgreSQL
 * credentials every user of a shared vault has). With plain SQL they make themselves a security
 * officer, widen their otp-only grant to reveal, plant a grant row naming a real seal, copy an
 * officer's seal onto their own row, put a laxer policy pack in force, put their own public key in
 * an officer's key row (to receive the next version and backup), or strip or spoil the
 * certification of a key — then use the vault.
 * Expected: the access door itself refuses each (exit 6, STATE_SEAL_INVALID naming the table and
 * the row), records the refusal with its rule, and once the row is put back everything works.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { openStore } from '../../src/store/store.js';
import type { DB } from '../../src/store/schema.js';

const ZHAO = 'zhao-min-collects-old-maps-52';

describe.each(dialects())('rows that grant power, changed outside gmv, at the door on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('refuses each forged row with exit 6, names it, records it, and works again once it is put back', async () => {
    const box = await sandbox(dialect);
    const zhao = otherTerminal(box, 'zhao');
    terminals.push(box, zhao);
    await initVault(box.env);
    const run = async (args: string[], t: Sandbox, input?: string) => {
      const r = await gmv(args, { env: t.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    for (const slug of ['weibo-press', 'douyin-news']) {
      await run(['account', 'add', '--slug', slug, '--platform', slug.startsWith('weibo') ? 'weibo' : 'douyin', '--name', slug, '--unit', '宣传科'], box);
      await run(['grant', 'add', 'li.an', slug, '--can', 'reveal,manage'], box);
      await run(['secret', 'set', slug, '--field', 'password', '--from-file', '-'], box, `Password-of-${slug}-77`);
    }
    await run(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box);
    await train(box.env, 'zhao.min', 'editor');
    const code = JSON.parse((await run(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], zhao, ZHAO)).stdout).code;
    await run(['device', 'approve', code], box);
    await run(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'otp'], box);
    await run(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao, ZHAO);
    // Before any attack: an otp grant does not reveal the password (a refusal by rule, exit 4).
    expect((await gmv(['secret', 'show', 'weibo-press'], { env: zhao.env })).code).toBe(4);

    const sql = async (fn: (db: Kysely<DB>) => Promise<void>) => {
      const store = await openStore(box.target, { mode: 'open' });
      try {
        await fn(store.db);
      } finally {
        await store.close();
      }
    };
    const idOf = async (db: Kysely<DB>, table: 'people' | 'accounts', key: string) => table === 'people'
      ? Number((await db.selectFrom('people').select('id').where('login', '=', key).executeTakeFirstOrThrow()).id)
      : Number((await db.selectFrom('accounts').select('id').where('slug', '=', key).executeTakeFirstOrThrow()).id);
    const refused = async (args: string[], table: string, row: string) => {
      const out = await gmv([...args, '--json'], { env: zhao.env });
      expect(out.code, `${args.join(' ')}: ${out.stdout}${out.stderr}`).toBe(6);
      const error = JSON.parse(out.stdout).error;
      expect(error.code).toBe('STATE_SEAL_INVALID');
      expect(error.message).toContain(`table ${table}`);
      expect(error.message).toContain(row);
      expect(out.stdout + out.stderr).not.toContain('Password-of-');
    };

    let ownSeal: number | null = null;
    const policy = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8');
    const attacks: { name: string; use: string[]; table: string; row: string; attack: (db: Kysely<DB>) => Promise<void>; undo: (db: Kysely<DB>) => Promise<void> }[] = [
      {
        name: 'self-promotion', use: ['staff', 'add', '--login', 'wang.fang', '--name', '王芳', '--unit', '宣传科', '--roles', 'editor'], table: 'people', row: 'zhao.min',
        attack: async (db) => void await db.updateTable('people').set({ roles: '["security-officer"]' }).where('login', '=', 'zhao.min').execute(),
        undo: async (db) => void await db.updateTable('people').set({ roles: '["editor"]' }).where('login', '=', 'zhao.min').execute(),
      },
      {
        name: 'an officer\'s seal copied onto their own promoted row', use: ['unit', 'add', '网信办'], table: 'people', row: 'zhao.min',
        attack: async (db) => {
          const li = await db.selectFrom('people').select('seal').where('login', '=', 'li.an').executeTakeFirstOrThrow();
          ownSeal = (await db.selectFrom('people').select('seal').where('login', '=', 'zhao.min').executeTakeFirstOrThrow()).seal;
          await db.updateTable('people').set({ roles: '["security-officer"]', seal: li.seal }).where('login', '=', 'zhao.min').execute();
        },
        undo: async (db) => void await db.updateTable('people').set({ roles: '["editor"]', seal: ownSeal }).where('login', '=', 'zhao.min').execute(),
      },
      {
        name: 'otp grant widened to reveal', use: ['secret', 'show', 'weibo-press'], table: 'grants', row: 'zhao.min on weibo-press',
        attack: async (db) => void await db.updateTable('grants').set({ can: '["otp","reveal"]' }).where('person_id', '=', await idOf(db, 'people', 'zhao.min')).execute(),
        undo: async (db) => void await db.updateTable('grants').set({ can: '["otp"]' }).where('person_id', '=', await idOf(db, 'people', 'zhao.min')).execute(),
      },
      {
        name: 'planted grant row naming a real seal', use: ['secret', 'show', 'douyin-news'], table: 'grants', row: 'zhao.min on douyin-news',
        attack: async (db) => {
          const real = await db.selectFrom('grants').select('seal').where('removed_at', 'is', null).executeTakeFirstOrThrow();
          await db.insertInto('grants').values({
            person_id: await idOf(db, 'people', 'zhao.min'), account_id: await idOf(db, 'accounts', 'douyin-news'), can: '["reveal"]', until: null,
            granted_by: 'li.an', granted_at: new Date().toISOString(), removed_by: null, removed_at: null, seal: real.seal,
          }).execute();
        },
        undo: async (db) => void await db.deleteFrom('grants').where('account_id', '=', await idOf(db, 'accounts', 'douyin-news')).where('person_id', '=', await idOf(db, 'people', 'zhao.min')).execute(),
      },
      {
        name: 'laxer policy pack put in force', use: ['otp', 'weibo-press'], table: 'policies', row: 'id',
        attack: async (db) => {
          const body = policy.replace('max_failures: 5', 'max_failures: 1000');
          const row = await db.insertInto('policies').values({ sha256: createHash('sha256').update(body).digest('hex'), body, applied_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
          await db.updateTable('vault_meta').set({ value: String(row.id) }).where('key', '=', 'policy_pack').execute();
        },
        undo: async (db) => {
          const [first, newest] = [await db.selectFrom('policies').select('id').orderBy('id').executeTakeFirstOrThrow(), await db.selectFrom('policies').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()];
          await db.updateTable('vault_meta').set({ value: String(first.id) }).where('key', '=', 'policy_pack').execute();
          await db.deleteFrom('policies').where('id', '=', newest.id).execute();
        },
      },
    ];
    for (const a of attacks) {
      await sql(a.attack);
      await refused(a.use, a.table, a.row);
      await sql(a.undo);
    }

    // A planted grant is not honoured by the next secret set either: no new version is wrapped for it.
    const planted = attacks.find((a) => a.name.startsWith('planted'))!;
    await sql(planted.attack);
    const set = await gmv(['secret', 'set', 'douyin-news', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: 'Rotated-Douyin-Password-78' });
    expect(set.code, set.stdout).toBe(6);
    expect(JSON.parse(set.stdout).error.message).toContain('zhao.min on douyin-news');
    await sql(async (db) => {
      const wraps = await db.selectFrom('wraps').select('id').where('person_id', '=', await idOf(db, 'people', 'zhao.min')).where('account_id', '=', await idOf(db, 'accounts', 'douyin-news')).execute();
      expect(wraps).toEqual([]);
    });
    await sql(planted.undo);

    // Every refusal is on record with its rule; the vault works again and verifies.
    const log = JSON.parse((await run(['audit', 'log', '--json'], box)).stdout);
    const entries: { actor: string; outcome: string; details: { rule?: string } }[] = log.entries ?? log;
    expect(entries.filter((e) => e.actor === 'zhao.min' && e.outcome === 'denied' && e.details.rule === 'state-seal').length).toBe(attacks.length);
    expect((await gmv(['secret', 'show', 'weibo-press'], { env: zhao.env })).code).toBe(4);
    await run(['grant', 'add', 'zhao.min', 'douyin-news', '--can', 'reveal'], box);
    expect((await run(['secret', 'show', 'douyin-news'], zhao)).stdout.trim()).toBe('Password-of-douyin-news-77');
    await run(['audit', 'verify'], box);

    // A person key is given things only as the organisation certified it. The officer's key row
    // made to hold zhao's public key would receive the next version and the next backup: both are
    // refused, and nothing is written for it.
    const activeKey = (db: Kysely<DB>, login: string) => db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
      .select(['person_keys.fingerprint', 'person_keys.public_key', 'person_keys.certification', 'person_keys.created_at'])
      .where('people.login', '=', login).where('person_keys.status', '=', 'active').executeTakeFirstOrThrow();
    const versionsOf = async (db: Kysely<DB>) => (await db.selectFrom('credential_versions').select('id').where('account_id', '=', await idOf(db, 'accounts', 'douyin-news')).execute()).length;
    let li = { fingerprint: '', public_key: '' };
    let versions = 0;
    await sql(async (db) => {
      li = await activeKey(db, 'li.an');
      versions = await versionsOf(db);
      await db.updateTable('person_keys').set({ public_key: (await activeKey(db, 'zhao.min')).public_key }).where('fingerprint', '=', li.fingerprint).execute();
    });
    const keyRefused = (out: { code: number; stdout: string }, login: string) => {
      expect(out.code, out.stdout).toBe(6);
      const error = JSON.parse(out.stdout).error;
      expect(error.code).toBe('STATE_SEAL_INVALID');
      expect(error.message).toContain('table person_keys');
      expect(error.message).toContain(login);
    };
    keyRefused(await gmv(['secret', 'set', 'douyin-news', '--field', 'password', '--from-file', '-', '--json'], { env: box.env, input: 'Rotated-Douyin-Password-79' }), 'li.an');
    const backup = join(box.dir, 'swapped.gmvbak');
    keyRefused(await gmv(['backup', 'create', '--out', backup, '--json'], { env: box.env }), 'li.an');
    expect(existsSync(backup)).toBe(false);
    // The verifier names the row too (before the checkpoints the officer's key no longer verifies).
    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stdout).toBe(6);
    expect(JSON.parse(verify.stdout).error).toMatchObject({ code: 'STATE_MISMATCH', message: expect.stringContaining('person_keys') });
    expect(JSON.parse(verify.stdout).error.message).toContain('li.an');
    await sql(async (db) => {
      expect(await versionsOf(db)).toBe(versions);
      await db.updateTable('person_keys').set({ public_key: li.public_key }).where('fingerprint', '=', li.fingerprint).execute();
    });

    // A key whose certification was removed, or whose record was changed, does not log in.
    await run(['lock'], zhao);
    let zhaoKey = { fingerprint: '', certification: null as string | null, created_at: '' };
    await sql(async (db) => {
      zhaoKey = await activeKey(db, 'zhao.min');
    });
    const tamperings: Partial<{ certification: string | null; created_at: string }>[] = [{ certification: null }, { created_at: '2020-01-01T00:00:00.000Z' }];
    for (const change of tamperings) {
      await sql(async (db) => void await db.updateTable('person_keys').set(change).where('fingerprint', '=', zhaoKey.fingerprint).execute());
      keyRefused(await gmv(['login', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], { env: zhao.env, input: ZHAO }), 'zhao.min');
      await sql(async (db) => void await db.updateTable('person_keys').set({ certification: zhaoKey.certification, created_at: zhaoKey.created_at }).where('fingerprint', '=', zhaoKey.fingerprint).execute());
    }
    const after = JSON.parse((await run(['audit', 'log', '--json'], box)).stdout).entries as typeof entries;
    expect(after.filter((e) => e.actor === 'zhao.min' && e.outcome === 'denied' && e.details.rule === 'state-seal').length).toBe(attacks.length + tamperings.length);
    await run(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao, ZHAO);
    await run(['secret', 'set', 'douyin-news', '--field', 'password', '--from-file', '-'], box, 'Rotated-Douyin-Password-80');
    expect((await run(['secret', 'show', 'douyin-news'], zhao)).stdout.trim()).toBe('Rotated-Douyin-Password-80');
    await run(['audit', 'verify'], box);
  }, 400_000);
});
