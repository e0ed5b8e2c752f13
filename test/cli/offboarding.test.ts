/**
 * Offboarding (Art. 25) through the built binary on SQLite and PostgreSQL. zhao.min could read
 * three accounts — one by a reveal grant (and did reveal it), one by an otp-only grant, one by a
 * grant removed long before — and not a fourth. `gmv staff offboard` queues exactly those three,
 * with the fields each held, revokes her terminal (OpenSSL sees the certificate revoked on the new
 * CRL), refuses her session at its next command, lists her platform binding, opens the
 * offboarding checklist and signs the record; a checkpoint her key still signs fails audit verify.
 * `gmv staff show` tracks what is open until every field is rotated.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';
import { agentSockets } from '../helpers/agent-process.js';
import { request } from '../../src/agent/client.js';
import { openVault, recordAudit } from '../../src/services/vault.js';
import { writeTransaction } from '../../src/store/store.js';

const ZHAO = 'maple-leaf-8T-quiet-river';
const SEED = 'JBSWY3DPEHPK3PXP';

function openssl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

interface Offboarded {
  login: string;
  devicesRevoked: string[];
  crlNumber: number;
  keysRetired: string[];
  exposed: { slug: string; versions: number[]; fields: string[]; revealed: string[]; due: string | null }[];
  bindings: { slug: string; role: string }[];
  run: string;
  recordSha256: string;
}

describe.each(dialects())('offboarding on %s', (dialect) => {
  let box: Sandbox;
  let zhao: Sandbox;
  let zhaoDevice: string;
  let zhaoLaptop: Sandbox;
  let laptopDevice: string;
  let serial: string;
  const ok = async (args: string[], env: Record<string, string>, input?: string) => {
    const r = await gmv(args, { env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], box.env, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    for (const [slug, platform] of [['weibo-press', 'weibo'], ['wechat-main', 'wechat-oa'], ['douyin-news', 'douyin'], ['toutiao-city', 'toutiao']]) {
      await ok(['account', 'add', '--slug', slug!, '--platform', platform!, '--name', slug!, '--unit', '宣传科'], box.env);
      await ok(['grant', 'add', 'li.an', slug!, '--can', 'reveal,otp,manage'], box.env);
      await ok(['secret', 'set', slug!, '--field', 'password', '--from-file', '-'], box.env, `${slug}-Password-1!`);
    }
    await ok(['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', '-'], box.env, SEED);
    await ok(['secret', 'set', 'wechat-main', '--field', 'totp', '--from-file', '-'], box.env, SEED);
    await ok(['secret', 'set', 'douyin-news', '--field', 'recovery', '--from-file', '-'], box.env, 'AAAA-1111 BBBB-2222');

    zhao = otherTerminal(box, 'zhao');
    await ok(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box.env);
    await train(box.env, 'zhao.min', 'editor');
    const enrolled = parse<{ code: string; deviceId: string }>(await gmv(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], { env: zhao.env, input: ZHAO }));
    zhaoDevice = enrolled.deviceId;
    serial = parse<{ certSerial: string }>(await gmv(['device', 'approve', enrolled.code, '--json'], { env: box.env })).certSerial;
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao.env, ZHAO);
    // A second terminal of hers, logged in and then left alone: its agent is still running after
    // the departure (no command of hers reaches the door there to end it).
    zhaoLaptop = otherTerminal(box, 'zhao-laptop');
    const second = parse<{ code: string; deviceId: string }>(await gmv(['device', 'enroll', '--login', 'zhao.min', '--json'], { env: zhaoLaptop.env }));
    laptopDevice = second.deviceId;
    await ok(['device', 'approve', second.code], box.env);
    await ok(['device', 'add-key', laptopDevice, '--login', 'zhao.min', '--passphrase-file', '-'], zhao.env, ZHAO);
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhaoLaptop.env, ZHAO);

    // douyin-news: a reveal grant removed long ago; a new version written since, which she never got.
    await ok(['grant', 'add', 'zhao.min', 'douyin-news', '--can', 'reveal'], box.env);
    await ok(['grant', 'remove', 'zhao.min', 'douyin-news'], box.env);
    await ok(['rotate', 'start', 'douyin-news'], box.env);
    await ok(['rotate', 'confirm', 'douyin-news'], box.env);
    // weibo-press: reveal, and she reveals it; wechat-main: TOTP codes only.
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal'], box.env);
    await ok(['grant', 'add', 'zhao.min', 'wechat-main', '--can', 'otp'], box.env);
    expect((await ok(['secret', 'show', 'weibo-press'], zhao.env)).stdout.trim()).toBe('weibo-press-Password-1!');
    await ok(['binding', 'add', 'wechat-main', '--role', 'long-term-operator', '--person', 'zhao.min'], box.env);
  });
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhao?.env, zhaoLaptop?.env]);
  });

  it('queues exactly what she could read with the fields each held, revokes her terminal on a new CRL, opens the checklist and signs the record', async () => {
    const before = await gmv(['staff', 'offboard', 'zhao.min', '--json'], { env: zhao.env });
    expect(before.code).toBe(4); // not an officer

    const r = parse<Offboarded>(await gmv(['staff', 'offboard', 'zhao.min', '--json'], { env: box.env }));
    expect(r.exposed.map((e) => [e.slug, e.fields, e.revealed])).toEqual([
      ['douyin-news', ['password', 'recovery'], []],
      // An otp-only grant: her wrap held the TOTP seed alone (fields are sealed one by one).
      ['wechat-main', ['totp'], []],
      ['weibo-press', ['password', 'totp'], ['password']],
    ]);
    // douyin-news: only the version she was given, not the one written after her grant ended.
    expect(r.exposed[0]!.versions).toEqual([2]);
    expect([...r.devicesRevoked].sort()).toEqual([zhaoDevice, laptopDevice].sort());
    expect(r.keysRetired).toHaveLength(1);
    expect(r.bindings).toEqual([expect.objectContaining({ slug: 'wechat-main', role: 'long-term-operator' })]);

    const due = parse<{ due: { slug: string; reason: string; fields: string[]; login: string }[] }>(await gmv(['rotate', 'due', '--reason', 'departure', '--json'], { env: box.env }));
    expect(due.due.map((d) => [d.slug, d.fields, d.login]).sort()).toEqual([
      ['douyin-news', ['password', 'recovery'], 'zhao.min'], ['wechat-main', ['totp'], 'zhao.min'], ['weibo-press', ['password', 'totp'], 'zhao.min'],
    ]);
    expect(due.due.every((d) => d.reason === 'departure')).toBe(true);

    // The signed record is the bytes the audit entry names; the checklist run is open with its steps.
    const entry = (await audit(box.env, 'person.offboard')).at(-1)!;
    expect(entry).toMatchObject({ actor: 'li.an', subject: 'zhao.min', details: { record_sha256: r.recordSha256, run: r.run } });
    const shown = parse<{ run: { template: string; trigger: string; status: string } }>(await gmv(['checklist', 'show', r.run, '--json'], { env: box.env }));
    expect(shown.run).toMatchObject({ template: 'offboarding', trigger: 'offboarding:zhao.min', status: 'open' });
    expect(createHash('sha256').update(r.recordSha256).digest('hex')).toMatch(/^[0-9a-f]{64}$/);

    // OpenSSL sees her certificate revoked on the new CRL.
    const file = (name: string) => join(box.dir, name);
    await ok(['device', 'ca', 'export', '--out', file('ca.pem')], box.env);
    await ok(['device', 'cert', zhaoDevice, '--out', file('zhao.pem')], box.env);
    await ok(['device', 'crl', 'export', '--out', file('crl.pem')], box.env);
    expect(openssl('crl', '-in', file('crl.pem'), '-noout', '-text').out.toUpperCase()).toContain(serial.toUpperCase());
    const verify = openssl('verify', '-CAfile', file('ca.pem'), '-CRLfile', file('crl.pem'), '-crl_check', file('zhao.pem'));
    expect(verify.code).not.toBe(0);
    expect(verify.out).toContain('certificate revoked');

    // Twice is a conflict, not a second queue.
    expect((await gmv(['staff', 'offboard', 'zhao.min'], { env: box.env })).code).toBe(9);
  });

  it('refuses her session at the next command, and nothing can be granted to her again', async () => {
    const shown = await gmv(['secret', 'show', 'weibo-press', '--json'], { env: zhao.env });
    expect([4, 5]).toContain(shown.code);
    expect(shown.stdout).not.toContain('weibo-press-Password');
    // Refused once, her agent has forgotten her key: the session is over, not left to its idle timeout.
    const after = await gmv(['whoami', '--json'], { env: zhao.env });
    expect(after.code, after.stdout).toBe(5);
    expect(JSON.parse(after.stdout).error.code).toBe('SESSION_REQUIRED');
    expect((await gmv(['otp', 'wechat-main'], { env: zhao.env })).code).not.toBe(0);
    const regrant = await gmv(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'otp', '--json'], { env: box.env });
    expect(regrant.code).toBe(4);
  });

  it('staff show lists what is open until every exposed field is rotated; rotations close field by field', async () => {
    const open = parse<{ departure: { rotations: { slug: string; fields: string[] }[]; bindings: unknown[]; runs: unknown[] } }>(await gmv(['staff', 'show', 'zhao.min', '--json'], { env: box.env }));
    expect(open.departure.rotations.map((r) => r.slug)).toEqual(['douyin-news', 'wechat-main', 'weibo-press']);
    expect(open.departure.bindings).toHaveLength(1);
    expect(open.departure.runs).toHaveLength(1);
    const human = await gmv(['staff', 'show', 'zhao.min'], { env: box.env });
    expect(human.stdout).toContain('Still open:');
    expect(human.stdout).toContain('rotate weibo-press: password, totp');

    // A new password closes the password; the TOTP seed stays open until it is replaced too.
    await ok(['rotate', 'start', 'weibo-press'], box.env);
    await ok(['rotate', 'confirm', 'weibo-press'], box.env);
    const partly = parse<{ due: { slug: string; fields: string[] }[] }>(await gmv(['rotate', 'due', '--reason', 'departure', '--json'], { env: box.env }));
    expect(partly.due.find((d) => d.slug === 'weibo-press')?.fields).toEqual(['totp']);
    await ok(['secret', 'set', 'weibo-press', '--field', 'totp', '--from-file', '-'], box.env, 'KRSXG5CTMVRXEZLU');
    await ok(['rotate', 'start', 'wechat-main'], box.env);
    await ok(['rotate', 'confirm', 'wechat-main', '--totp-file', '-'], box.env, 'GEZDGNBVGY3TQOJQ');
    await ok(['rotate', 'start', 'douyin-news'], box.env);
    await ok(['rotate', 'confirm', 'douyin-news', '--recovery-file', '-'], box.env, 'CCCC-3333 DDDD-4444');
    await ok(['binding', 'remove', String((open.departure.bindings[0] as { id: number }).id)], box.env);
    const left = parse<{ departure: { rotations: unknown[]; bindings: unknown[]; runs: unknown[] } }>(await gmv(['staff', 'show', 'zhao.min', '--json'], { env: box.env }));
    expect(left.departure.rotations).toEqual([]);
    expect(left.departure.bindings).toEqual([]);
    expect(left.departure.runs).toHaveLength(1);
  });
  // Last: the forged checkpoint it plants is tampering, and the vault then refuses to sign over it.
  it('a checkpoint her still-running agent signs after the departure fails audit verify', async () => {
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
    const socket = agentSockets(zhaoLaptop.paths.runtimeDir)[0]!;
    const status = await request(socket, { op: 'status' });
    expect(status?.ok).toBe(true);
    const fingerprint = (status as { session: { keyFingerprint: string } }).session.keyFingerprint;
    const vault = await openVault({ target: box.target, paths: zhao.paths });
    try {
      await writeTransaction(vault.store, async (trx) => {
        await recordAudit(trx, { vaultId: vault.vaultId, deviceId: null, now: () => new Date() }, [{ action: 'grant.add', actor: 'zhao.min', subject: 'toutiao-city', outcome: 'ok', details: { person: 'zhao.min' } }], {
          fingerprint,
          sign: async (data) => {
            const signed = await request(socket, { op: 'sign', data: Buffer.from(data).toString('base64') });
            if (!signed?.ok || !signed.data) throw new Error('the agent did not sign');
            return Buffer.from(signed.data, 'base64');
          },
        });
      });
    } finally {
      await vault.store.close();
    }
    const verified = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verified.code).toBe(6);
    expect(JSON.parse(verified.stdout).error.code).toBe('AUDIT_TAMPERED');
  });
});
