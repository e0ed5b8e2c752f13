/**
 * A lifecycle property, through the built binary on a real SQLite vault: over random sequences of
 * onboard (with training) / grant (reveal or otp) / remove a grant / rotate / offboard,
 *  - no departed person can decrypt any credential version written after their departure: their
 *    still-running session agent holds their key, and it opens no wrap of such a version;
 *  - every account whose version they were ever given a wrap of (read from the wraps table with
 *    plain SQL, not through gmv's own exposure query) was queued for rotation with reason
 *    departure, naming every rotatable field those versions held.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { daysAgo, gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { agentSockets } from '../helpers/agent-process.js';
import { lockAll } from '../helpers/session-helpers.js';
import { request } from '../../src/agent/client.js';

type Op =
  | { op: 'grant'; who: number; account: number; can: 'reveal' | 'otp' }
  | { op: 'remove'; who: number; account: number }
  | { op: 'rotate'; account: number }
  | { op: 'offboard'; who: number };

const PEOPLE = 2;
const ACCOUNTS = 3;
const ops: fc.Arbitrary<Op[]> = fc.array(fc.oneof(
  fc.record({ op: fc.constant('grant' as const), who: fc.nat(PEOPLE - 1), account: fc.nat(ACCOUNTS - 1), can: fc.constantFrom('reveal' as const, 'otp' as const) }),
  fc.record({ op: fc.constant('remove' as const), who: fc.nat(PEOPLE - 1), account: fc.nat(ACCOUNTS - 1) }),
  fc.record({ op: fc.constant('rotate' as const), account: fc.nat(ACCOUNTS - 1) }),
  fc.record({ op: fc.constant('offboard' as const), who: fc.nat(PEOPLE - 1) }),
), { minLength: 3, maxLength: 8 });

describe('the staff lifecycle (property, SQLite)', () => {
  let box: Sandbox;
  const terminals: Sandbox[] = [];
  let round = 0;
  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, ...terminals.map((t) => t.env)]);
  });

  const ok = async (args: string[], env: Record<string, string>, input?: string) => {
    const r = await gmv(args, { env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };

  it('no departed person opens a version written after they left, and everything they held is queued', async () => {
    await fc.assert(fc.asyncProperty(ops, async (sequence) => {
      round += 1;
      const people = Array.from({ length: PEOPLE }, (_, i) => `p${round}.n${i}`);
      const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acct-${round}-${i}`);
      const envs: Record<string, Record<string, string>> = {};
      for (const login of people) {
        await ok(['staff', 'onboard', '--login', login, '--name', login, '--unit', '宣传科', '--roles', 'editor',
          '--training', `security-basics=${daysAgo(10)}`, '--training', `content-review=${daysAgo(10)}`], box.env);
        const t = otherTerminal(box, login);
        terminals.push(t);
        const pass = `${login}-walks-the-river-path-77`;
        const enrolled = JSON.parse((await ok(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], t.env, pass)).stdout) as { code: string };
        await ok(['device', 'approve', enrolled.code], box.env);
        await ok(['login', '--login', login, '--passphrase-file', '-'], t.env, pass);
        envs[login] = t.env;
      }
      for (const slug of accounts) {
        await ok(['account', 'add', '--slug', slug, '--platform', 'weibo', '--name', slug, '--unit', '宣传科'], box.env);
        await ok(['grant', 'add', 'li.an', slug, '--can', 'reveal,otp,manage'], box.env);
        await ok(['secret', 'set', slug, '--field', 'password', '--from-file', '-'], box.env, `${slug}-Password-1!`);
        await ok(['secret', 'set', slug, '--field', 'totp', '--from-file', '-'], box.env, 'JBSWY3DPEHPK3PXP');
      }
      const departed = new Map<string, string>();
      for (const step of sequence) {
        if (step.op === 'grant') {
          const login = people[step.who]!;
          const r = await gmv(['grant', 'add', login, accounts[step.account]!, '--can', step.can], { env: box.env });
          expect(r.code, r.stderr).toBe(departed.has(login) ? 4 : 0);
        } else if (step.op === 'remove') {
          await gmv(['grant', 'remove', people[step.who]!, accounts[step.account]!], { env: box.env });
        } else if (step.op === 'rotate') {
          await ok(['rotate', 'start', accounts[step.account]!], box.env);
          await ok(['rotate', 'confirm', accounts[step.account]!, '--totp-file', '-'], box.env, 'KRSXG5CTMVRXEZLU');
        } else {
          const login = people[step.who]!;
          const r = await gmv(['staff', 'offboard', login], { env: box.env });
          expect(r.code, r.stderr).toBe(departed.has(login) ? 9 : 0);
          if (!departed.has(login)) departed.set(login, String((await directSql(box, [`select departed_at from people where login = '${login}'`]))[0]!.departed_at));
        }
      }
      for (const [login, at] of departed) {
        const id = Number((await directSql(box, [`select id from people where login = '${login}'`]))[0]!.id);
        // Every wrap of every credential version written after the departure: their key opens none.
        const later = await directSql(box, [`select w.wrapped from wraps w join credential_versions v on v.account_id = w.account_id and v.version = w.item_version
          join accounts a on a.id = w.account_id where w.item_kind = 'credential' and v.created_at > '${at}' and a.slug like 'acct-${round}-%'`]);
        const socket = agentSockets(terminals.find((t) => t.env === envs[login])!.paths.runtimeDir)[0]!;
        for (const w of later) {
          const opened = await request(socket, { op: 'decrypt', data: String(w.wrapped) });
          expect(opened?.ok, `${login} opened a version written after leaving`).not.toBe(true);
        }
        // Every account they were ever given a version of is queued with each rotatable field it held.
        const held = await directSql(box, [`select a.id as account_id, v.fields, w.item_ref from wraps w join credential_versions v on v.account_id = w.account_id and v.version = w.item_version
          join accounts a on a.id = w.account_id where w.item_kind = 'credential' and w.person_id = ${id}`]);
        const queued = await directSql(box, [`select account_id, fields from rotation_queue where reason = 'departure' and person_id = ${id}`]);
        for (const h of held) {
          // A wrap of a version sealed field by field held the fields its item_ref names (otp: the seed alone); one sealed whole, all.
          const ref = String(h.item_ref);
          const stored = ref.startsWith('fields:') ? ref.slice('fields:'.length).split(',') : (JSON.parse(String(h.fields)) as { fields: string[] }).fields;
          const fields = stored.filter((f) => ['password', 'totp', 'recovery'].includes(f));
          const row = queued.find((q) => Number(q.account_id) === Number(h.account_id));
          expect(row, `${login}: account #${h.account_id} not queued`).toBeDefined();
          // Fields rotated since are removed from the row as they are done; what the row started with is in the audit entry.
          const entry = (await directSql(box, [`select body from audit_entries where action = 'person.offboard' and subject = '${login}'`]))[0]!;
          const exposure = (JSON.parse(String(entry.body)) as { details: { exposure: { account: string; fields: string[] }[] } }).details.exposure;
          const slug = String((await directSql(box, [`select slug from accounts where id = ${Number(h.account_id)}`]))[0]!.slug);
          expect(exposure.find((e) => e.account === slug)?.fields).toEqual(expect.arrayContaining(fields));
        }
      }
    }), { numRuns: 3 });
  // Three random lifecycles through the built binary: about 100 s on an idle 2-core machine, more
  // when another suite shares it.
  }, 420_000);
});
