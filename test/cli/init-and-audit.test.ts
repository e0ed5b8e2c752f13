/** The spine as a user drives it: init, audit log, verify, checkpoint export — on each dialect. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { dialects, sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, stopGnupg } from '../helpers/cli.js';
import { downgradeWrapsToSchema4 } from '../helpers/old-schemas.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';

describe.each(dialects())('gmv spine on %s', (dialect) => {
  it('init records the organisation, officer and device in the audit log and verifies', async () => {
    const box = await sandbox(dialect);
    const init = await initVault(box.env, ['--json']);
    const created = JSON.parse(init.stdout);
    expect(created).toMatchObject({ org: '沈阳市测试局', unit: '宣传科', login: 'li.an' });
    expect(created.orgFingerprint).toMatch(/^[0-9A-F]{40}$/);
    if (dialect === 'sqlite') {
      expect(statSync(box.paths.defaultVault).mode & 0o777).toBe(0o600);
      expect(statSync(join(box.paths.defaultVault, '..')).mode & 0o777).toBe(0o700);
    }
    expect(statSync(created.deviceFile).mode & 0o777).toBe(0o600);

    const log = await gmv(['audit', 'log', '--json'], { env: box.env });
    expect(log.code).toBe(0);
    const actions = JSON.parse(log.stdout).entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['vault.init', 'unit.add', 'person.add', 'device.approve']);

    const filtered = await gmv(['audit', 'log', '--json', '--action', 'person.*'], { env: box.env });
    expect(JSON.parse(filtered.stdout).entries).toHaveLength(1);

    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, entries: 4, checkpoints: 1, unsignedTail: 0 });
  });

  it('exports a checkpoint that gpg verifies, and that gpg rejects after any byte changes', async () => {
    const box = await sandbox(dialect);
    await initVault(box.env);
    const out = join(box.dir, 'evidence');
    const exported = await gmv(['audit', 'checkpoint', 'export', '--out', out, '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ size: 5 });

    const gnupg = mkdtempSync(join(tmpdir(), 'gmv-gpg-'));
    onTestFinished(() => stopGnupg(gnupg));
    const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', gnupg, '--batch', ...args], { stdio: 'pipe' });
    gpg('--import', join(out, 'org-key.asc'));
    expect(() => gpg('--verify', join(out, 'checkpoint.json.sig'), join(out, 'checkpoint.json'))).not.toThrow();

    const body = readFileSync(join(out, 'checkpoint.json'));
    for (const position of [0, Math.floor(body.length / 2), body.length - 1]) {
      const changed = Buffer.from(body);
      changed[position] = changed[position]! ^ 0x01;
      const path = join(box.dir, `changed-${position}.json`);
      writeFileSync(path, changed);
      expect(() => gpg('--verify', join(out, 'checkpoint.json.sig'), path)).toThrow();
    }
    const sig = readFileSync(join(out, 'checkpoint.json.sig'));
    const badSig = Buffer.from(sig);
    badSig[badSig.length - 5] = badSig[badSig.length - 5]! ^ 0x01;
    writeFileSync(join(box.dir, 'bad.sig'), badSig);
    expect(() => gpg('--verify', join(box.dir, 'bad.sig'), join(out, 'checkpoint.json'))).toThrow();

    const since = await gmv(['audit', 'verify', '--since-checkpoint', join(out, 'checkpoint.json'), '--json'], { env: box.env });
    expect(since.code, since.stderr).toBe(0);
    expect(JSON.parse(since.stdout).consistency).toMatchObject({ oldSize: 5 });
  });
});

describe.each(dialects())('gmv audit verify with and without the framework on %s', (dialect) => {
  // bin/run.js answers `audit verify` without oclif; --debug (which that path leaves alone) goes
  // through oclif. A user must not be able to tell them apart but by speed.
  it('same output, errors and exit codes on both paths, also after tampering', async () => {
    const box = await sandbox(dialect);
    await initVault(box.env);
    const both = async (args: string[]) => {
      const [fast, full] = await Promise.all([gmv(['audit', 'verify', ...args], { env: box.env }), gmv(['audit', 'verify', ...args, '--debug'], { env: box.env })]);
      expect(full).toEqual(fast);
      return fast;
    };
    const ok = await both(['--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, entries: 4, checkpoints: 1 });
    expect((await both(['--lang', 'zh-CN'])).stdout).toMatch(/审计日志/);

    const { openStore } = await import('../../src/store/store.js');
    const store = await openStore(box.target, { mode: 'open' });
    await store.db.updateTable('audit_entries').set({ actor: 'somebody.else' }).where('seq', '=', 2).execute();
    await store.close();
    const tampered = await both(['--json']);
    expect(tampered.code).toBe(6);
    expect(JSON.parse(tampered.stdout).error).toMatchObject({ code: 'AUDIT_TAMPERED' });
    expect(tampered.stderr).toMatch(/#2/);

    const help = await gmv(['audit', 'verify', '--help'], { env: box.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--since-checkpoint/);
    expect((await gmv(['audit', 'verify', '--no-such-flag'], { env: box.env })).code).toBe(2);
  });

  it('names its trust anchor: the vault\'s organisation key, or the auditor\'s pinned copy', async () => {
    const box = await sandbox(dialect);
    await initVault(box.env);
    const keyFile = join(box.dir, 'org-key.asc');
    const exported = await gmv(['org', 'key', 'export'], { env: box.env });
    writeFileSync(keyFile, exported.stdout);
    const fingerprint = JSON.parse((await gmv(['audit', 'verify', '--json'], { env: box.env })).stdout).orgFingerprint;
    const own = await gmv(['audit', 'verify'], { env: box.env });
    expect(own.stdout).toContain(`Trust anchor: the organisation key ${fingerprint} as stored in the vault`);
    const pinned = await gmv(['audit', 'verify', '--org-key', keyFile, '--json'], { env: box.env });
    expect(JSON.parse(pinned.stdout)).toMatchObject({ ok: true, orgFingerprint: fingerprint, orgKeyPinned: true });
    expect((await gmv(['audit', 'verify', '--org-key', keyFile, '--lang', 'zh-CN'], { env: box.env })).stdout).toContain(`信任锚：您持有的组织密钥 ${fingerprint}`);
  });

  it('verifies a vault of the previous schema (no person-key certifications) once another command upgraded it; verify itself never upgrades', async () => {
    const box = await sandbox(dialect);
    await initVault(box.env);
    const { openStore } = await import('../../src/store/store.js');
    const { sql } = await import('kysely');
    const store = await openStore(box.target, { mode: 'open' });
    // What a vault written by gmv with schema 3 looks like: wraps in their old tables, checkpoints signed by device keys only.
    await downgradeWrapsToSchema4(store);
    await store.db.deleteFrom('audit_checkpoints').where('signer_fingerprint', 'in', store.db.selectFrom('person_keys').select('fingerprint')).execute();
    await sql`alter table person_keys drop column certification`.execute(store.db);
    await sql`delete from gmv_migrations where version = 4`.execute(store.db);
    await store.close();
    // Verifying never writes: it names the upgrade instead of running it.
    const untouched = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(untouched.code, untouched.stderr).toBe(10);
    expect(JSON.parse(untouched.stdout).error.code).toBe('SCHEMA_OUTDATED');
    expect((await gmv(['account', 'list'], { env: box.env })).code).toBe(0);
    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, entries: 4 });
    const after = await openStore(box.target, { mode: 'open' });
    try {
      const versions = await after.db.selectFrom('gmv_migrations').select('version').orderBy('version').execute();
      expect(versions.map((v) => Number(v.version))).toEqual(MIGRATIONS.map((m) => m.version));
      const keys = await after.db.selectFrom('person_keys').select('certification').execute();
      expect(keys.map((k) => k.certification)).toEqual([null]);
    } finally {
      await after.close();
    }
  });
});
