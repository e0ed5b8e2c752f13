/**
 * Attacker: anyone who can write the database — the SQLite file, or the PostgreSQL credentials
 * every user of a shared vault has. With plain SQL they make themselves a security officer, widen an
 * otp-only grant to reveal, plant a grant row, delete the officer's second factor, delete the row
 * that locks a person out, or put a laxer policy pack in force. None of these leaves an entry.
 * Expected: `gmv audit verify` replays the signed log, exits 6 and names the table and the row that
 * disagrees; once the row is put back, it verifies again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { openStore } from '../../src/store/store.js';
import type { DB } from '../../src/store/schema.js';

const ZHAO = 'zhao-min-collects-old-maps-52';

describe.each(dialects())('access state changed outside gmv on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('is named by audit verify, table and row, for each change', async () => {
    const box = await sandbox(dialect);
    const zhao = otherTerminal(box, 'zhao');
    terminals.push(box, zhao);
    const policy = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8').replace('max_failures: 5', 'max_failures: 2').replace('backoff_seconds: 2', 'backoff_seconds: 0');
    writeFileSync(join(box.dir, 'policy.yaml'), policy);
    await initVault(box.env, ['--policy', join(box.dir, 'policy.yaml')]);
    const run = async (args: string[], t: Sandbox, input?: string) => {
      const r = await gmv(args, { env: t.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    const enroll = JSON.parse((await run(['mfa', 'enroll', '--json'], box)).stdout);
    const { generateSync } = await import('otplib');
    await run(['mfa', 'enroll', '--confirm', '--totp-file', '-'], box, generateSync({ secret: new URL(enroll.uri).searchParams.get('secret')! }));
    for (const slug of ['weibo-press', 'douyin-news']) {
      await run(['account', 'add', '--slug', slug, '--platform', slug.startsWith('weibo') ? 'weibo' : 'douyin', '--name', slug, '--unit', '宣传科'], box);
    }
    await run(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box);
    await train(box.env, 'zhao.min', 'editor');
    const code = JSON.parse((await run(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], zhao, ZHAO)).stdout).code;
    await run(['device', 'approve', code], box);
    await run(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'otp'], box);
    // zhao.min is locked out (two wrong passphrases under this policy).
    for (let i = 0; i < 2; i++) expect((await gmv(['login', '--login', 'zhao.min', '--passphrase-file', '-'], { env: zhao.env, input: 'not-the-passphrase-at-all-9' })).code).toBe(5);
    await run(['audit', 'verify'], box);

    const sql = async (fn: (db: Kysely<DB>) => Promise<void>) => {
      const store = await openStore(box.target, { mode: 'open' });
      try {
        await fn(store.db);
      } finally {
        await store.close();
      }
    };
    const ids = async (db: Kysely<DB>) => ({
      zhao: Number((await db.selectFrom('people').select('id').where('login', '=', 'zhao.min').executeTakeFirstOrThrow()).id),
      li: Number((await db.selectFrom('people').select('id').where('login', '=', 'li.an').executeTakeFirstOrThrow()).id),
      douyin: Number((await db.selectFrom('accounts').select('id').where('slug', '=', 'douyin-news').executeTakeFirstOrThrow()).id),
    });
    const expectNamed = async (table: string, row: string, zh: string) => {
      const out = await gmv(['audit', 'verify', '--json'], { env: box.env });
      expect(out.code, out.stdout + out.stderr).toBe(6);
      const error = JSON.parse(out.stdout).error;
      expect(error.code).toBe('STATE_MISMATCH');
      expect(error.message).toContain(table);
      expect(error.message).toContain(row);
      const human = await gmv(['audit', 'verify'], { env: box.env });
      expect(human.code).toBe(6);
      expect(human.stderr).toContain(row);
      // In Chinese the whole message is Chinese, the disagreement included.
      const chinese = await gmv(['audit', 'verify', '--lang', 'zh-CN'], { env: box.env });
      expect(chinese.stderr).toContain(`完整性故障：表 ${table}`);
      expect(chinese.stderr).toContain(zh);
    };

    const attacks: { name: string; table: string; row: string; zh: string; attack: (db: Kysely<DB>) => Promise<void>; undo: (db: Kysely<DB>) => Promise<void> }[] = [
      {
        name: 'self-promotion', table: 'people', row: 'zhao.min', zh: '角色为 security-officer，日志记载为 editor',
        attack: async (db) => void await db.updateTable('people').set({ roles: '["security-officer"]' }).where('login', '=', 'zhao.min').execute(),
        undo: async (db) => void await db.updateTable('people').set({ roles: '["editor"]' }).where('login', '=', 'zhao.min').execute(),
      },
      {
        name: 'otp grant widened to reveal', table: 'grants', row: 'zhao.min on weibo-press', zh: '权限 otp,reveal，至 -；日志记载为权限 otp，至 -',
        attack: async (db) => void await db.updateTable('grants').set({ can: '["otp","reveal"]' }).where('person_id', '=', (await ids(db)).zhao).execute(),
        undo: async (db) => void await db.updateTable('grants').set({ can: '["otp"]' }).where('person_id', '=', (await ids(db)).zhao).execute(),
      },
      {
        name: 'planted grant row', table: 'grants', row: 'zhao.min on douyin-news', zh: '没有已签名的条目授予此项',
        attack: async (db) => {
          const { zhao: person, douyin } = await ids(db);
          await db.insertInto('grants').values({ person_id: person, account_id: douyin, can: '["reveal"]', until: null, granted_by: 'li.an', granted_at: new Date().toISOString(), removed_by: null, removed_at: null }).execute();
        },
        undo: async (db) => void await db.deleteFrom('grants').where('account_id', '=', (await ids(db)).douyin).where('person_id', '=', (await ids(db)).zhao).execute(),
      },
      {
        name: 'second factor deleted', table: 'mfa_totp', row: 'li.an', zh: '日志中已登记第二因素，表中缺失',
        attack: async (db) => void await db.updateTable('mfa_totp').set({ status: 'pending' }).where('person_id', '=', (await ids(db)).li).execute(),
        undo: async (db) => void await db.updateTable('mfa_totp').set({ status: 'active' }).where('person_id', '=', (await ids(db)).li).execute(),
      },
      {
        name: 'lock-out row deleted', table: 'login_throttle', row: 'zhao.min', zh: '日志中已锁定，表中没有',
        attack: async (db) => void await db.updateTable('login_throttle').set({ locked_at: null, failures: 0 }).where('person_id', '=', (await ids(db)).zhao).execute(),
        undo: async (db) => void await db.updateTable('login_throttle').set({ locked_at: new Date().toISOString(), failures: 2 }).where('person_id', '=', (await ids(db)).zhao).execute(),
      },
      {
        name: 'laxer policy pack', table: 'policies', row: 'id', zh: '不是日志所应用的策略',
        attack: async (db) => {
          const body = policy.replace('max_failures: 2', 'max_failures: 1000');
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
      await expectNamed(a.table, a.row, a.zh);
      await sql(a.undo);
      const again = await gmv(['audit', 'verify'], { env: box.env });
      expect(again.code, `${a.name} undone: ${again.stderr}`).toBe(0);
    }
  }, 400_000);
});
