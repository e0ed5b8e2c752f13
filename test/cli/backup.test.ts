/**
 * Backups (art. 28) through the built binary, from SQLite and from PostgreSQL, each restored onto
 * both: every row, every audit entry and every secret (revealed by its grantee on her own terminal)
 * come back equal and `gmv audit verify` passes. GnuPG alone opens a backup with the recovery key
 * and `sqlite3` loads what it decrypts. A tampered, truncated or re-signed backup is refused, in the
 * reader's language down to its reason, and nothing is written; an existing vault is not
 * overwritten without --force; a rollback needs --allow-rollback and is audited; a backup taken
 * while another process writes restores consistently; a restore killed part way leaves no vault; a
 * drill records a run ready to sign.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshPostgresUrl, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { BIN, gmv, initVault, OFFICER_PASSPHRASE, stopGnupg, train } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';
import { rawDb } from '../helpers/raw-db.js';
import { inject } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical.js';
import type { StoreTarget } from '../../src/store/store.js';

const ZHAO = 'maple-leaf-8T-quiet-river';

/** Every row of every gmv table, as strings, in primary-key order: what "equal" means across dialects. */
async function dump(target: StoreTarget): Promise<Record<string, string[]>> {
  const db = await rawDb(target);
  try {
    const tables = target.kind === 'sqlite'
      ? (await db.all<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")).map((r) => r.name)
      : (await db.all<{ name: string }>("select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).map((r) => r.name);
    const out: Record<string, string[]> = {};
    for (const table of tables.filter((t) => t !== 'gmv_migrations').sort()) {
      const rows = await db.all<Record<string, unknown>>(`select * from "${table}"`);
      out[table] = rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k] === null ? null : String(r[k])]))).sort();
    }
    return out;
  } finally {
    await db.close();
  }
}

function gpg(home: string, args: string[], input?: Buffer | string): Buffer {
  return execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--quiet', '--trust-model', 'always', ...args], { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
}

describe.each(dialects())('backups from %s', (dialect) => {
  let box: Sandbox;
  let zhao: Sandbox;
  let dir: string;
  let gnupg: string;
  const ok = async (args: string[], env: Record<string, string> = box.env, input?: string) => {
    const r = await gmv(args, { env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  /** The environment that points gmv at `target` instead of the sandbox's vault. */
  const at = (env: Record<string, string>, target: StoreTarget) => target.kind === 'postgres'
    ? { ...env, GMV_DATABASE_URL: target.url }
    : { ...env, GMV_DATABASE_URL: '', GMV_VAULT: target.path };

  beforeAll(async () => {
    box = await sandbox(dialect);
    dir = mkdtempSync(join(tmpdir(), 'gmv-backups-'));
    gnupg = mkdtempSync(join(tmpdir(), 'gmv-gnupg-'));
    await initVault(box.env);
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], box.env, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    for (const slug of ['weibo-press', 'wechat-main']) {
      await ok(['account', 'add', '--slug', slug, '--platform', slug.startsWith('wechat') ? 'wechat-oa' : 'weibo', '--name', `${slug} 官方`, '--unit', '宣传科']);
      await ok(['grant', 'add', 'li.an', slug, '--can', 'reveal,otp,manage']);
      await ok(['secret', 'set', slug, '--field', 'password', '--from-file', '-'], box.env, `${slug}-It's-"quoted";\n`);
      await ok(['secret', 'set', slug, '--field', 'notes', '--from-file', '-'], box.env, `line one;\n'line two' -- not SQL\n`);
    }
    zhao = otherTerminal(box, 'zhao');
    await ok(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor']);
    await train(box.env, 'zhao.min', 'editor');
    const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], { env: zhao.env, input: ZHAO }));
    await ok(['device', 'approve', enrolled.code]);
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'reveal']);
  });
  afterAll(async () => {
    await lockAll(undefined, [box?.env, zhao?.env]);
    if (gnupg) stopGnupg(gnupg);
  });

  it('restores onto SQLite and PostgreSQL with every row, audit entry and secret equal', async () => {
    const file = join(dir, 'round-trip.gmvbak');
    const created = parse<{ path: string; manifest: { tables: Record<string, number>; signer: { kind: string; login: string }; recipients: string[] } }>(await ok(['backup', 'create', '--out', file, '--json']));
    expect(created.manifest.signer).toMatchObject({ kind: 'person', login: 'li.an' });
    expect(created.manifest.recipients).toHaveLength(2);
    const source = await dump(box.target);
    const targets: StoreTarget[] = [{ kind: 'sqlite', path: join(dir, 'restored.db') }];
    if (inject('pgUrl')) targets.push({ kind: 'postgres', url: await freshPostgresUrl() });
    for (const target of targets) {
      const to = target.kind === 'sqlite' ? target.path : target.url;
      const restored = parse<{ ok: boolean; audit: { entries: number } }>(await ok(['backup', 'restore', file, '--to', to, '--json']));
      expect(restored.ok).toBe(true);
      expect(await dump(target), `rows restored onto ${target.kind}`).toEqual(source);
      const verified = await ok(['audit', 'verify'], at(box.env, target));
      expect(verified.stdout).toContain(`${restored.audit.entries} entries`);
      if (target.kind === 'postgres') {
        // The planner's estimates are the restored rows' (analyzed), not an empty table's (-1).
        const db = await rawDb(target);
        try {
          const [row] = await db.all<{ estimate: number; n: number }>("select (select reltuples from pg_class where relname = 'accounts' and relkind = 'r') as estimate, (select count(*) from accounts) as n");
          expect(Number(row!.estimate)).toBe(Number(row!.n));
        } finally {
          await db.close();
        }
      }
    }
    // Her terminal's device key logs in to the restored vault and opens what was granted to her.
    const restoredTarget = targets[targets.length - 1]!;
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], at(zhao.env, restoredTarget), ZHAO);
    const shown = await ok(['secret', 'show', 'weibo-press', '--field', 'password', '--json'], at(zhao.env, restoredTarget));
    expect(JSON.parse(shown.stdout).password).toBe(`weibo-press-It's-"quoted";`);
    await ok(['lock'], at(zhao.env, restoredTarget));
  });

  it('opens with GnuPG and the recovery key alone; sqlite3 loads what it decrypts; gmv verifies with the recovery key', async () => {
    const file = join(dir, 'gnupg.gmvbak');
    await ok(['backup', 'create', '--out', file]);
    gpg(gnupg, ['--import', join(box.dir, 'recovery.asc')]);
    const plain = gpg(gnupg, ['--decrypt', file]);
    expect(plain.toString('utf8', 0, 16)).toBe('-- gmv backup (g');
    const loaded = join(dir, 'by-hand.db');
    execFileSync('sqlite3', [loaded], { input: plain });
    const slugs = execFileSync('sqlite3', [loaded, 'select slug from accounts order by slug'], { encoding: 'utf8' });
    expect(slugs.trim().split('\n')).toEqual(['wechat-main', 'weibo-press']);
    // Without a session, on a machine that has only the file and the recovery key.
    const stranger = await sandbox('sqlite');
    const r = await gmv(['backup', 'verify', file, '--recovery-key', join(box.dir, 'recovery.asc'), '--json'], { env: stranger.env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).openedWith).toMatch(/^recovery key [0-9A-F]{40}$/);
    // Not a recipient: a key the backup was not encrypted to.
    gpg(gnupg, ['--quick-gen-key', '--passphrase', '', 'Mallory <m@example.org>', 'future-default', 'default', 'never']);
    const otherKey = join(dir, 'other.asc');
    writeFileSync(otherKey, gpg(gnupg, ['--armor', '--export-secret-keys', 'Mallory']));
    const notFor = await gmv(['backup', 'verify', file, '--recovery-key', otherKey], { env: stranger.env });
    expect(notFor.code).toBe(5);
    expect(notFor.stderr).toContain('is not encrypted to');
  });

  it('refuses a tampered, truncated or re-signed backup and writes nothing', async () => {
    const file = join(dir, 'original.gmvbak');
    await ok(['backup', 'create', '--out', file]);
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length * 0.6)]! ^= 0x40;
    // [name, file, what the refusal names when it is not the first check that would catch it anyway,
    // how it names it in Chinese]
    const cases: [string, Buffer, string?, string?][] = [['tampered', flipped], ['truncated', bytes.subarray(0, Math.floor(bytes.length * 0.8))]];
    // Re-signed: decrypted with the recovery key, a name changed, the manifest recomputed and signed
    // by a key of the attacker's own, encrypted again to the recovery key with GnuPG.
    gpg(gnupg, ['--import', join(box.dir, 'recovery.asc')]);
    const text = gpg(gnupg, ['--decrypt', file]).toString('utf8');
    const edited = text.replace("'weibo-press 官方'", "'weibo-press 假冒'");
    expect(edited).not.toBe(text);
    const [content] = edited.split('-- gmv-manifest ');
    const manifest = JSON.parse(text.split('-- gmv-manifest ')[1]!.split('\n')[0]!);
    const { createHash } = await import('node:crypto');
    gpg(gnupg, ['--quick-gen-key', '--passphrase', '', 'Eve <eve@example.org>', 'ed25519', 'default', 'never']);
    const eve = gpg(gnupg, ['--with-colons', '--fingerprint', 'Eve']).toString().split('\n').find((l) => l.startsWith('fpr'))!.split(':')[9]!;
    for (const signer of [manifest.signer, { ...manifest.signer, fingerprint: eve }]) {
      const forged = canonicalJson({ ...manifest, signer, content_sha256: createHash('sha256').update(content!, 'utf8').digest('hex') });
      const signature = gpg(gnupg, ['--local-user', eve, '--detach-sign'], forged).toString('base64');
      const plaintext = `${content}-- gmv-manifest ${forged}\n-- gmv-signature ${signature}\n`;
      const recipient = gpg(gnupg, ['--with-colons', '--list-keys', 'recovery key']).toString().split('\n').find((l) => l.startsWith('fpr'))!.split(':')[9]!;
      cases.push([`re-signed (${signer.fingerprint === eve ? 'as Eve' : 'in the officer\'s name'})`, gpg(gnupg, ['--encrypt', '--recipient', recipient], plaintext), undefined,
        signer.fingerprint === eve ? `其签名者 ${eve} 不是备份中的人员密钥` : `其由 ${signer.fingerprint} 所作的签名未通过验证`]);
    }
    // A live wrap twice, under another id: the restore builds the unique index wraps_live only once
    // the rows are in, and that build must refuse the backup, before its hash or signature is looked at.
    const wrapsAt = text.indexOf('INSERT INTO "wraps"');
    const live = text.slice(wrapsAt, text.indexOf(';\n', wrapsAt)).split('\n').slice(1).map((row) => row.replace(/,$/, '')).find((row) => row.endsWith(',NULL,NULL)'))!;
    const twice = text.replace(`\n${live}`, `\n${live.replace(/^\(\d+,/, '(999999,')},\n${live}`);
    expect(twice).not.toBe(text);
    const recovery = gpg(gnupg, ['--with-colons', '--list-keys', 'recovery key']).toString().split('\n').find((l) => l.startsWith('fpr'))!.split(':')[9]!;
    cases.push(['a live wrap twice', gpg(gnupg, ['--encrypt', '--recipient', recovery], twice), 'wraps_live', '其 wraps 表的行违反唯一索引 wraps_live']);
    for (const [name, body, names, chinese] of cases) {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.gmvbak`);
      writeFileSync(path, body);
      const to = join(dir, `${name.replace(/\W+/g, '-')}.db`);
      const r = await gmv(['backup', 'restore', path, '--to', to, '--recovery-key', join(box.dir, 'recovery.asc'), '--json'], { env: box.env });
      expect(r.code, `${name}: ${r.stderr}`).toBe(6);
      expect(JSON.parse(r.stdout).error.code, name).toBe('BACKUP_INVALID');
      if (names) expect(JSON.parse(r.stdout).error.message, name).toContain(names);
      expect(existsSync(to), `${name} left a vault`).toBe(false);
      expect(readdirSync(dir).filter((f) => f.includes('.restoring')), `${name} left a scratch file`).toEqual([]);
      // A zh-CN reader reads the whole refusal in Chinese, what is wrong with the backup included.
      const zh = await gmv(['backup', 'restore', path, '--to', to, '--recovery-key', join(box.dir, 'recovery.asc'), '--json', '--lang', 'zh-CN'], { env: box.env });
      expect(zh.code, `${name}: ${zh.stderr}`).toBe(6);
      const message: string = JSON.parse(zh.stdout).error.message;
      expect(message, name).toContain(`备份 ${path} 未通过验证：`);
      if (chinese) expect(message, name).toContain(`：${chinese}。`);
      expect(message.replace(path, '').replace(/[0-9A-F]{40}|OpenPGP|wraps(_live)?/g, ''), `${name}: ${message}`).not.toMatch(/[A-Za-z]{3,}/);
    }
  });

  it('says a folder or a missing file is a wrong path, and an empty file a backup cut short', async () => {
    const empty = join(dir, 'empty.gmvbak');
    writeFileSync(empty, '');
    const cases: [string, number, string][] = [[join(dir, 'no-such.gmvbak'), 3, 'FILE_NOT_FOUND'], [dir, 11, 'INVALID_INPUT'], [empty, 6, 'BACKUP_INVALID']];
    for (const [path, code, error] of cases) {
      for (const command of ['verify', 'restore']) {
        const r = await gmv(['backup', command, path, ...(command === 'restore' ? ['--to', join(dir, 'never.db')] : []), '--recovery-key', join(box.dir, 'recovery.asc'), '--json'], { env: box.env });
        expect(r.code, `${command} ${path}: ${r.stdout}`).toBe(code);
        expect(JSON.parse(r.stdout).error.code).toBe(error);
        expect(existsSync(join(dir, 'never.db'))).toBe(false);
      }
    }
    expect((await gmv(['backup', 'verify', empty, '--recovery-key', join(box.dir, 'recovery.asc'), '--lang', 'zh-CN'], { env: box.env })).stderr).toContain('文件为空');
  });

  it('never overwrites without --force; a rollback needs --allow-rollback and is audited', async () => {
    const file = join(dir, 'before.gmvbak');
    await ok(['backup', 'create', '--out', file]);
    const to = join(dir, 'twice.db');
    await ok(['backup', 'restore', file, '--to', to]);
    const again = await gmv(['backup', 'restore', file, '--to', to, '--json'], { env: box.env });
    expect(again.code).toBe(9);
    expect(JSON.parse(again.stdout).error.code).toBe('RESTORE_TARGET_EXISTS');

    // The live vault moves on; putting the older backup back over it is a rollback.
    await ok(['account', 'add', '--slug', 'douyin-late', '--platform', 'douyin', '--name', 'late', '--unit', '宣传科']);
    const live = box.target.kind === 'sqlite' ? box.target.path : box.target.url;
    const refused = await gmv(['backup', 'restore', file, '--to', live, '--force', '--json'], { env: box.env });
    expect(refused.code, refused.stderr).toBe(6);
    expect(JSON.parse(refused.stdout).error.code).toBe('BACKUP_ROLLBACK');
    expect((await ok(['account', 'list'])).stdout).toContain('douyin-late');
    const rolled = parse<{ rollback: { seen: number; backup: number } }>(await ok(['backup', 'restore', file, '--to', live, '--force', '--allow-rollback', '--json']));
    expect(rolled.rollback.seen).toBeGreaterThan(rolled.rollback.backup);
    expect((await ok(['account', 'list'])).stdout).not.toContain('douyin-late');
    const entries = await audit(box.env, 'backup.restore');
    expect(entries.at(-1)?.details).toMatchObject({ rollback: true, backup_checkpoint: rolled.rollback.backup, seen_checkpoint: rolled.rollback.seen });
    await ok(['audit', 'verify']);
    await ok(['account', 'add', '--slug', 'douyin-again', '--platform', 'douyin', '--name', 'again', '--unit', '宣传科']);
  });

  it('a backup taken while another process writes restores to a consistent state', async () => {
    const writer = (async () => {
      for (let i = 0; i < 6; i++) await gmv(['account', 'add', '--slug', `busy-${i}`, '--platform', 'weibo', '--name', `busy ${i}`, '--unit', '宣传科'], { env: box.env });
    })();
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      const file = join(dir, `busy-${i}.gmvbak`);
      await ok(['backup', 'create', '--out', file]);
      files.push(file);
    }
    await writer;
    // Restored elsewhere (a machine that holds only the recovery key): this terminal has seen the
    // live vault go on since, so here each of them would rightly be refused as a rollback.
    const elsewhere = await sandbox('sqlite');
    for (const [i, file] of files.entries()) {
      const to = join(dir, `busy-${i}.db`);
      await ok(['backup', 'restore', file, '--to', to, '--recovery-key', join(box.dir, 'recovery.asc')], elsewhere.env);
      const db = await rawDb({ kind: 'sqlite', path: to });
      try {
        const slugs = (await db.all<{ slug: string }>('select slug from accounts')).map((r) => r.slug).sort();
        const added = (await db.all<{ subject: string }>("select subject from audit_entries where action = 'account.add' and outcome = 'ok'")).map((r) => r.subject).sort();
        expect(slugs, 'every account with its audit entry, and no entry without its account').toEqual(added);
      } finally {
        await db.close();
      }
      await ok(['audit', 'verify', '--vault', to], elsewhere.env);
    }
  });

  it('a restore killed part way leaves no vault that looks complete', async () => {
    const file = join(dir, 'kill.gmvbak');
    await ok(['backup', 'create', '--out', file]);
    for (const delay of [150, 350, 600]) {
      const to = join(dir, `killed-${delay}.db`);
      const child = spawn(process.execPath, [BIN, 'backup', 'restore', file, '--to', to], { env: { ...process.env, ...box.env, NODE_ENV: 'production' }, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await exited;
      if (existsSync(to)) {
        // Only a finished restore is put in place: what is there verifies.
        expect(spawnSync(process.execPath, [BIN, 'audit', 'verify', '--vault', to], { env: { ...process.env, ...box.env, GMV_DATABASE_URL: '', NODE_ENV: 'production' } }).status).toBe(0);
      }
    }
  });

  it('a drill restores the latest backup, compares it and records a run ready to sign', async () => {
    await ok(['backup', 'create', '--out', join(dir, 'for-drill.gmvbak')]);
    const drilled = parse<{ run: { id: string; steps: { id: string; status: string; evidence: { name: string }[] }[] }; auditMatches: boolean; backup: string }>(await ok(['backup', 'drill', '--json']));
    expect(drilled.backup).toBe(join(dir, 'for-drill.gmvbak'));
    expect(drilled.auditMatches).toBe(true);
    expect(drilled.run.steps.map((s) => [s.id, s.status, s.evidence[0]?.name])).toEqual([['backup', 'done', 'for-drill.gmvbak'], ['restore', 'done', 'manifest.json'], ['compare', 'done', 'comparison.json']]);
    const signed = await ok(['checklist', 'sign', drilled.run.id]);
    expect(signed.stdout).toContain(drilled.run.id);
    const zh = await ok(['backup', 'drill', '--lang', 'zh-CN']);
    expect(zh.stdout).toContain('演练');
  });

  it('is encrypted to the recovery key and to the holders of the roles the policy names, no one else', async () => {
    const shipped = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8');
    const pack = (name: string, roles: string) => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, shipped.replace('name: shenyang-2021', `name: ${name}`).replace('encrypt_to_roles: [security-officer]', `encrypt_to_roles: [${roles}]`));
      return path;
    };
    const recipients = async (file: string) => parse<{ manifest: { recipients: string[] } }>(await ok(['backup', 'create', '--out', file, '--json'])).manifest.recipients;
    // A role the pack does not define is refused before anything changes.
    const unknown = await gmv(['policy', 'apply', pack('auditors-only', 'auditor-general')], { env: box.env });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('auditor-general');

    await ok(['policy', 'apply', pack('recovery-only', '')]);
    const alone = join(dir, 'recovery-only.gmvbak');
    expect(await recipients(alone)).toHaveLength(1);
    const officer = await gmv(['backup', 'verify', alone], { env: box.env });
    expect(officer.code, officer.stderr).toBe(5);
    expect(officer.stderr).toContain('is not encrypted to li.an');
    await ok(['backup', 'verify', alone, '--recovery-key', join(box.dir, 'recovery.asc')]);

    await ok(['policy', 'apply', pack('editors-too', 'security-officer, editor')]);
    const wide = join(dir, 'editors-too.gmvbak');
    expect(await recipients(wide)).toHaveLength(3);
    // Her terminal last saw a vault restored from a backup above (a diverging log, refused as a
    // rollback): she starts over from this vault, as the refusal tells her to.
    for (const seen of readdirSync(zhao.paths.devicesDir).filter((f) => f.endsWith('.seen.json'))) rmSync(join(zhao.paths.devicesDir, seen));
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao.env, ZHAO);
    await ok(['backup', 'verify', wide], zhao.env);
    // The backup made before was not for her.
    expect((await gmv(['backup', 'verify', alone], { env: zhao.env })).code).toBe(5);
    await ok(['lock'], zhao.env);
    await ok(['policy', 'apply', join(import.meta.dirname, '..', '..', 'policies', 'default.yaml')]);
    expect(await recipients(join(dir, 'officers-again.gmvbak'))).toHaveLength(2);
  });
});
