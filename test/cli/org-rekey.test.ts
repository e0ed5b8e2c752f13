/**
 * Re-keying the organisation (issue 10 item 6) through the built binary on SQLite and PostgreSQL.
 * wang.fang, a second security officer, held the organisation key and the device CA. Her own key
 * material is opened here as she could open it from a copy of the database (her passphrase, her
 * terminal's device secret): with it she opens the old organisation key. She is offboarded, which
 * re-keys in the same change. Afterwards:
 *  - a new version of a credential is wrapped for nobody she or the old org key can open;
 *  - zhao.min's terminal, which pinned the old device CA, follows the signed hand-over and reveals;
 *    OpenSSL verifies her re-issued certificate against the new CA;
 *  - `gmv audit verify` passes, also pinned to the old org key (the chain), and a checkpoint the
 *    old org key signs after the hand-over is refused (exit 6);
 *  - demoting an officer re-keys too, and `gmv org rekey` runs on its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrivateKey } from 'openpgp';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';
import { openVault, recordAudit } from '../../src/services/vault.js';
import { writeTransaction } from '../../src/store/store.js';
import { readDeviceKey } from '../../src/local/device-file.js';
import { openPersonKey } from '../../src/services/keys.js';
import { open, parseEnvelope } from '../../src/crypto/envelope.js';
import { Secret } from '../../src/crypto/secret.js';
import { decryptWith, readPrivate, signDetached } from '../../src/crypto/pgp.js';
import { witnessFileName, witnessText, type WitnessRecord } from '../../src/audit/witness.js';
import { keySigner } from '../../src/audit/log.js';

const WANG = 'silver-pine-4K-morning-tide';
const CHEN = 'amber-lake-6R-distant-hill';
const ZHAO = 'maple-leaf-8T-quiet-river';

interface Rekey { fromOrg: string; toOrg: string; fromCa: string; toCa: string; officers: string[]; escrowRewrapped: number; keysRecertified: number; devicesReissued: number }

describe.each(dialects())('org rekey on %s', (dialect) => {
  let box: Sandbox;
  let wang: Sandbox;
  let zhao: Sandbox;
  let chen: Sandbox;
  let oldOrgKey: PrivateKey;
  let wangKey: PrivateKey;
  let oldOrgFile: string;
  let witnessDir: string;
  let sweep: string;
  const ok = async (args: string[], env: Record<string, string>, input?: string) => {
    const r = await gmv(args, { env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const enroll = async (terminal: Sandbox, login: string, passphrase: string) => {
    const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], { env: terminal.env, input: passphrase }));
    await ok(['device', 'approve', enrolled.code], box.env);
    await ok(['login', '--login', login, '--passphrase-file', '-'], terminal.env, passphrase);
  };
  const query = async <T,>(run: (db: Awaited<ReturnType<typeof openVault>>['store']['db']) => Promise<T>): Promise<T> => {
    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      return await run(vault.store.db);
    } finally {
      await vault.store.close();
    }
  };

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], box.env, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    for (const slug of ['weibo-press', 'douyin-news']) {
      await ok(['account', 'add', '--slug', slug, '--platform', slug.split('-')[0]!, '--name', slug, '--unit', '宣传科'], box.env);
      await ok(['grant', 'add', 'li.an', slug, '--can', 'reveal,otp,manage'], box.env);
      await ok(['secret', 'set', slug, '--field', 'password', '--from-file', '-'], box.env, `${slug}-Password-1!`);
    }
    // A sweep signed before any re-key, exported after it (an auditor holds the first org key).
    sweep = parse<{ run: { id: string } }>(await ok(['checklist', 'start', 'impersonation-sweep', '--json'], box.env)).run.id;
    const evidence = join(box.dir, 'sweep.txt');
    writeFileSync(evidence, 'weibo, douyin: searched, nothing found\n');
    await ok(['checklist', 'step', sweep, 'search', '--status', 'done', '--evidence', evidence], box.env);
    await ok(['checklist', 'step', sweep, 'record', '--status', 'na', '--note', 'nothing found'], box.env);
    await ok(['checklist', 'sign', sweep], box.env);
    wang = otherTerminal(box, 'wang');
    await ok(['staff', 'add', '--login', 'wang.fang', '--name', '王芳', '--unit', '宣传科', '--roles', 'security-officer'], box.env);
    await train(box.env, 'wang.fang', 'security-officer');
    await enroll(wang, 'wang.fang', WANG);
    zhao = otherTerminal(box, 'zhao');
    await ok(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box.env);
    await train(box.env, 'zhao.min', 'editor');
    await enroll(zhao, 'zhao.min', ZHAO);
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal'], box.env);
    oldOrgFile = join(box.dir, 'org-key-before.asc');
    writeFileSync(oldOrgFile, (await ok(['org', 'key', 'export'], box.env)).stdout);
    // A witness of the log as it stands before the re-key, as a nightly job would have left it.
    witnessDir = join(box.dir, 'witness');
    await ok(['audit', 'witness', '--out', witnessDir], box.env);

    // What wang.fang can open from a copy of the database: her key, and with it the org key.
    const device = readDeviceKey(wang.paths.devicesDir, (await query((db) => db.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirstOrThrow())).value)!;
    const lock = await query((db) => db.selectFrom('person_key_locks').select('envelope').where('device_id', '=', device.deviceId).executeTakeFirstOrThrow());
    wangKey = await openPersonKey(parseEnvelope(lock.envelope), Secret.fromString(WANG), device.secret.reveal(), device.deviceId);
    const [wrap, org] = await query(async (db) => Promise.all([
      db.selectFrom('wraps').innerJoin('people', 'people.id', 'wraps.person_id').select('wraps.wrapped')
        .where('people.login', '=', 'wang.fang').where('wraps.item_kind', '=', 'org-key').where('wraps.revoked_at', 'is', null).executeTakeFirstOrThrow(),
      db.selectFrom('org_keys').select('private_envelope').executeTakeFirstOrThrow(),
    ]));
    const dataKey = await decryptWith(Buffer.from(wrap.wrapped, 'base64'), wangKey);
    oldOrgKey = await readPrivate(open(dataKey, parseEnvelope(org.private_envelope)).toString('utf8'));
  }, 240_000);
  afterAll(async () => {
    await lockAll(undefined, [box?.env, wang?.env, zhao?.env, chen?.env]);
  });

  it('offboarding an officer replaces the org key and device CA in the same change', async () => {
    const r = parse<{ rekey: Rekey; keysRetired: string[] }>(await ok(['staff', 'offboard', 'wang.fang', '--json'], box.env));
    expect(r.rekey.officers).toEqual(['li.an']);
    expect(r.rekey.fromOrg).not.toBe(r.rekey.toOrg);
    expect(r.rekey.fromCa).not.toBe(r.rekey.toCa);
    // Two credential versions escrowed; li.an's, wang's and zhao's keys, three terminals (wang's revoked).
    expect(r.rekey.escrowRewrapped).toBe(2);
    expect(r.rekey.devicesReissued).toBe(2);
    const human = await ok(['org', 'key', 'export', '--json'], box.env);
    expect(parse<{ fingerprint: string }>(human).fingerprint).toBe(r.rekey.toOrg);
    // Every wrap of the old org key and CA is kept on record, revoked at the re-key.
    const live = await query((db) => db.selectFrom('wraps').select(['recipient', 'key_fingerprint']).where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('key_fingerprint', '=', r.rekey.fromOrg), eb('item_ref', 'in', [r.rekey.fromOrg, r.rekey.fromCa])])).execute());
    expect(live).toEqual([]);
  });

  it('what is written afterwards opens neither with her key nor with the old org key', async () => {
    await ok(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], box.env, 'weibo-press-Password-2!');
    const wraps = await query((db) => db.selectFrom('wraps').innerJoin('accounts', 'accounts.id', 'wraps.account_id').select(['wraps.wrapped', 'wraps.recipient'])
      .where('accounts.slug', '=', 'weibo-press').where('wraps.item_kind', '=', 'credential').where('wraps.item_version', '=', 2).execute());
    expect(wraps.map((w) => w.recipient).sort()).toEqual(['org', 'person', 'person']);
    for (const w of wraps) {
      for (const key of [oldOrgKey, wangKey]) await expect(decryptWith(Buffer.from(w.wrapped, 'base64'), key)).rejects.toThrow();
    }
    expect((await ok(['secret', 'show', 'weibo-press', '--field', 'password'], box.env)).stdout.trim()).toBe('weibo-press-Password-2!');
  });

  it('a terminal that pinned the old CA follows the signed hand-over; OpenSSL accepts its new certificate', async () => {
    // A session started before the re-key goes on; the next login checks the terminal against the new CA.
    await ok(['lock'], zhao.env);
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao.env, ZHAO);
    const shown = await ok(['secret', 'show', 'weibo-press', '--field', 'password'], zhao.env);
    expect(shown.stdout.trim()).toBe('weibo-press-Password-2!');
    const vaultId = await query(async (db) => (await db.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirstOrThrow()).value);
    const ca = await query((db) => db.selectFrom('device_ca').select(['fingerprint', 'cert_pem']).orderBy('created_at', 'desc').executeTakeFirstOrThrow());
    const pinned = JSON.parse(readFileSync(readDeviceKey(zhao.paths.devicesDir, vaultId)!.path, 'utf8')) as { ca_fingerprint: string };
    expect(pinned.ca_fingerprint).toBe(ca.fingerprint);
    const cert = await query((db) => db.selectFrom('devices').innerJoin('people', 'people.id', 'devices.person_id').select('devices.cert_pem').where('people.login', '=', 'zhao.min').executeTakeFirstOrThrow());
    writeFileSync(join(box.dir, 'ca.pem'), ca.cert_pem);
    writeFileSync(join(box.dir, 'zhao.pem'), cert.cert_pem!);
    const verified = spawnSync('openssl', ['verify', '-CAfile', join(box.dir, 'ca.pem'), join(box.dir, 'zhao.pem')], { encoding: 'utf8' });
    expect(verified.stdout).toContain('OK');
  });

  it('audit verify passes, and pinned to the old org key it follows the chain', async () => {
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
    const pinned = await gmv(['audit', 'verify', '--org-key', oldOrgFile], { env: box.env });
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toMatch(/re-keyed 1 time/);
    // The witness taken before the re-key still agrees, on its own and with the old key pinned:
    // its checkpoint was signed by the earlier key's signers, whom the signed hand-over vouches for.
    for (const extra of [[], ['--org-key', oldOrgFile]]) {
      const witnessed = await gmv(['audit', 'verify', '--witness', witnessDir, ...extra], { env: box.env });
      expect(witnessed.code, witnessed.stderr).toBe(0);
      expect(witnessed.stdout).toContain('Consistent with 1 witnessed checkpoints');
    }
  });

  it('a witness the old organisation key signs, of a tree past its hand-over, counts for nothing', async () => {
    // Whoever kept the retired key mints a witness of today's head: both halves signed by it.
    const [head, meta] = await query(async (db) => Promise.all([
      db.selectFrom('audit_checkpoints').select(['tree_size', 'root', 'body']).orderBy('tree_size', 'desc').limit(1).executeTakeFirstOrThrow(),
      db.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirstOrThrow(),
    ]));
    const oldFingerprint = oldOrgKey.getFingerprint().toUpperCase();
    const record: WitnessRecord = {
      kind: 'gmv.audit.witness', v: 1, vault: meta.value, checkpoint: head.body, checkpoint_signer: oldFingerprint,
      checkpoint_signature: Buffer.from(await signDetached(Buffer.from(head.body, 'utf8'), oldOrgKey)).toString('base64'),
      device: 'forged', device_key: oldFingerprint, witnessed_at: new Date().toISOString(),
    };
    const dir = join(box.dir, 'forged-witness');
    mkdirSync(dir);
    const file = join(dir, witnessFileName(meta.value, Number(head.tree_size), head.root));
    writeFileSync(file, witnessText(record));
    writeFileSync(`${file}.sig`, await signDetached(Buffer.from(witnessText(record), 'utf8'), oldOrgKey));
    const verified = await gmv(['audit', 'verify', '--witness', dir], { env: box.env });
    expect(verified.code, verified.stdout).toBe(6);
    expect(verified.stderr).toContain(witnessFileName(meta.value, Number(head.tree_size), head.root));
  });

  it('a run signed before the re-key verifies offline pinned to the old org key, through the hand-over in its folder', async () => {
    const dir = join(box.dir, 'sweep-export');
    await ok(['checklist', 'export', sweep, '--out', dir], box.env);
    const verified = parse<{ ok: boolean; orgKeyPinned: boolean; rekeys: number }>(await ok(['checklist', 'verify', dir, '--org-key', oldOrgFile, '--json'], { HOME: box.dir }));
    expect(verified).toMatchObject({ ok: true, orgKeyPinned: true, rekeys: 1 });
    expect((await ok(['checklist', 'verify', dir, '--org-key', oldOrgFile], { HOME: box.dir })).stdout).toMatch(/re-keyed 1 time\(s\) since/);
    expect((await ok(['checklist', 'verify', dir, '--org-key', oldOrgFile, '--lang', 'zh-CN'], { HOME: box.dir })).stdout).toContain('此后已更换 1 次');
    // A hand-over the old key did not sign leads nowhere: the pinned key vouches for nothing newer.
    const chainFile = join(dir, 'org-chain.json');
    const chain = JSON.parse(readFileSync(chainFile, 'utf8')) as { transitions: { body: string }[] };
    writeFileSync(chainFile, JSON.stringify({ ...chain, transitions: chain.transitions.map((t) => ({ ...t, body: t.body.replace('"reason":"', '"reason":"x') })) }));
    const forged = await gmv(['checklist', 'verify', dir, '--org-key', oldOrgFile, '--json'], { env: { HOME: box.dir } });
    expect(forged.code).toBe(6);
    expect(JSON.parse(forged.stdout).error).toMatchObject({ code: 'RECORD_INVALID', message: expect.stringContaining('nor by a key that signed re-keys from it lead to') });
    writeFileSync(chainFile, JSON.stringify(chain));
    expect((await gmv(['checklist', 'verify', dir, '--org-key', oldOrgFile], { env: { HOME: box.dir } })).code).toBe(0);
  });

  it('demoting an officer re-keys, and gmv org rekey runs on its own', async () => {
    chen = otherTerminal(box, 'chen');
    await ok(['staff', 'add', '--login', 'chen.jie', '--name', '陈杰', '--unit', '宣传科', '--roles', 'security-officer'], box.env);
    await train(box.env, 'chen.jie', 'security-officer');
    await enroll(chen, 'chen.jie', CHEN);
    const demoted = parse<{ person: { roles: string[] }; rekey: Rekey }>(await ok(['staff', 'set-roles', 'chen.jie', '--roles', 'editor', '--json'], box.env));
    expect(demoted.person.roles).toEqual(['editor']);
    expect(demoted.rekey.officers).toEqual(['li.an']);
    const again = parse<{ rekey: Rekey }>(await ok(['org', 'rekey', '--reason', 'yearly', '--json'], box.env));
    expect(again.rekey.fromOrg).toBe(demoted.rekey.toOrg);
    // Her terminal, demoted but active, follows two hand-overs of the CA at once.
    await train(box.env, 'chen.jie', 'editor');
    await ok(['grant', 'add', 'chen.jie', 'douyin-news', '--can', 'reveal'], box.env);
    await ok(['lock'], chen.env);
    await ok(['login', '--login', 'chen.jie', '--passphrase-file', '-'], chen.env, CHEN);
    expect((await ok(['secret', 'show', 'douyin-news', '--field', 'password'], chen.env)).stdout.trim()).toBe('douyin-news-Password-1!');
    const pinned = await gmv(['audit', 'verify', '--org-key', oldOrgFile], { env: box.env });
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toMatch(/re-keyed 3 time/);
    const zh = await gmv(['org', 'rekey', '--lang', 'zh-CN'], { env: box.env });
    expect(zh.code, zh.stderr).toBe(0);
    expect(zh.stdout).toContain('已更换组织密钥');
  });

  it('a refused re-key is audited: an editor may not', async () => {
    const r = await gmv(['org', 'rekey', '--json'], { env: zhao.env });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('DENIED_ROLE');
    const denied = await gmv(['audit', 'log', '--action', 'org.rekey', '--json'], { env: box.env });
    expect(denied.stdout).toContain('denied');
  });

  // Last: the forged checkpoint is tampering, and the vault then refuses to sign over it.
  it('a checkpoint the old org key signs after its hand-over fails audit verify (exit 6)', async () => {
    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      await writeTransaction(vault.store, async (trx) => {
        await recordAudit(trx, { vaultId: vault.vaultId, deviceId: null, now: () => new Date() },
          [{ action: 'grant.add', actor: 'wang.fang', subject: 'weibo-press', outcome: 'ok', details: { person: 'wang.fang' } }], keySigner(oldOrgKey));
      });
    } finally {
      await vault.store.close();
    }
    const verified = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verified.code).toBe(6);
    expect(JSON.parse(verified.stdout).error.code).toBe('AUDIT_TAMPERED');
    expect(verified.stderr).toMatch(/retired|ended|no longer/i);
  });
});
