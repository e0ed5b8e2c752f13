/**
 * Fault: the disk holding the vault fills up (a log partition, a full home folder, the PostgreSQL
 * server's data disk) while people keep working. Simulated with a small tmpfs mounted for the test
 * (needs root; skipped otherwise): the SQLite file lives on it, or the PostgreSQL database's
 * tablespace does (when the test server runs on this machine as the `postgres` user).
 * Expected: every write that finds no room fails with STORE_FULL (exit 8) naming the vault and
 * saying the disk is full, never exit 1 "internal error"; nothing is half-written, so once space is
 * freed the vault holds exactly what it held before and `gmv audit verify` passes.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = join('/tmp', `gmv-mount-probe-${process.pid}`);
  mkdirSync(probe, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Fill the file system at `dir` until only `leave` bytes are free. */
function fill(dir: string, leave: number): string {
  const fs = statfsSync(dir);
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - leave)));
  return filler;
}

const mountable = canMount();

describe.skipIf(!mountable)('a full disk under the vault (sqlite)', () => {
  const mounts: string[] = [];
  const boxes: Sandbox[] = [];
  afterAll(async () => {
    await lockAll(undefined, boxes.map((b) => b.env));
    for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
  });

  async function vaultOnSmallDisk(): Promise<{ box: Sandbox; mnt: string; vault: string }> {
    const box = await sandbox('sqlite');
    boxes.push(box);
    const mnt = join(box.dir, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
    mounts.push(mnt);
    const vault = join(mnt, 'vault.db');
    box.env.GMV_VAULT = vault;
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    return { box, mnt, vault };
  }

  async function slugs(box: Sandbox): Promise<string[]> {
    const list = await gmv(['account', 'list', '--json'], { env: box.env });
    expect(list.code, list.stderr).toBe(0);
    return (JSON.parse(list.stdout) as { accounts: { slug: string }[] }).accounts.map((a) => a.slug).sort();
  }

  it('with no room left, a write is STORE_FULL (exit 8) and changes nothing', async () => {
    const { box, mnt, vault } = await vaultOnSmallDisk();
    const filler = fill(mnt, 4096);
    const add = await gmv(['account', 'add', '--slug', 'douyin-news', '--platform', 'douyin', '--name', 'douyin-news', '--unit', '宣传科', '--json'], { env: box.env });
    expect(add.code, add.stderr).toBe(8);
    expect(JSON.parse(add.stdout).error.code, add.stderr).toBe('STORE_FULL');
    expect(add.stderr).toContain(vault);
    expect(add.stderr).toMatch(/disk .* is full/);
    expect(add.stderr).not.toMatch(/internal error/i);
    rmSync(filler);
    expect(await slugs(box)).toEqual(['weibo-press']);
    const verify = await gmv(['audit', 'verify'], { env: box.env });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('when the room runs out halfway through a large import, nothing of it is kept', async () => {
    const { box, mnt } = await vaultOnSmallDisk();
    const uris = Array.from({ length: 1200 }, (_, i) => `otpauth://totp/acct-${i}?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=weibo`);
    const file = join(box.dir, 'codes.txt');
    writeFileSync(file, `${uris.join('\n')}\n`);
    const filler = fill(mnt, 96 * 1024);
    const imported = await gmv(['import', 'otpauth', file, '--platform', 'weibo', '--json'], { env: box.env });
    expect(imported.code, imported.stderr).toBe(8);
    expect(JSON.parse(imported.stdout).error.code, imported.stderr).toBe('STORE_FULL');
    rmSync(filler);
    expect(await slugs(box)).toEqual(['weibo-press']);
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
  });
});

/** The PostgreSQL test server's own user, when it runs here and may own a tablespace folder. */
function postgresUid(): number | null {
  try {
    const url = inject('pgUrl');
    if (!url || !['127.0.0.1', 'localhost'].includes(new URL(url).hostname)) return null;
    return Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    return null;
  }
}

describe.skipIf(!mountable || postgresUid() === null)('a full disk under the vault (postgres)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const boxes: Sandbox[] = [];
  afterAll(async () => {
    await lockAll(undefined, boxes.map((b) => b.env));
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  async function admin(statement: string): Promise<void> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: inject('pgUrl') ?? undefined });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  it('an import that needs room the tablespace lacks is STORE_FULL (exit 8) and keeps nothing', async () => {
    const box = await sandbox('sqlite');
    boxes.push(box);
    // Outside the sandbox (0700): the server's user must reach the tablespace folder.
    const mnt = mkdtempSync(join(tmpdir(), 'gmv-pg-full-'));
    chmodSync(mnt, 0o755);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0755', 'tmpfs', mnt]);
    cleanups.push(async () => {
      execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
      rmSync(mnt, { recursive: true, force: true });
    });
    const space = join(mnt, 'space');
    mkdirSync(space);
    execFileSync('chown', [String(postgresUid()), space]);
    const name = `gmv_full_${process.pid}_${Date.now()}`;
    await admin(`create tablespace ${name} location '${space}'`);
    cleanups.push(() => admin(`drop tablespace ${name}`));
    await admin(`create database ${name} tablespace ${name}`);
    cleanups.push(() => admin(`drop database ${name} with (force)`));
    const url = new URL(inject('pgUrl')!);
    url.pathname = `/${name}`;
    box.env.GMV_DATABASE_URL = url.toString();

    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', 'weibo-press', '--unit', '宣传科'], { env: box.env })).code).toBe(0);
    const uris = Array.from({ length: 1200 }, (_, i) => `otpauth://totp/acct-${i}?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=weibo`);
    const file = join(box.dir, 'codes.txt');
    writeFileSync(file, `${uris.join('\n')}\n`);
    const filler = fill(mnt, 64 * 1024);
    const imported = await gmv(['import', 'otpauth', file, '--platform', 'weibo', '--json'], { env: box.env });
    expect(imported.code, imported.stderr).toBe(8);
    expect(JSON.parse(imported.stdout).error.code, imported.stderr).toBe('STORE_FULL');
    expect(imported.stderr).not.toMatch(/internal error/i);
    rmSync(filler);
    const list = await gmv(['account', 'list', '--json'], { env: box.env });
    expect((JSON.parse(list.stdout) as { accounts: { slug: string }[] }).accounts.map((a) => a.slug)).toEqual(['weibo-press']);
    expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
  });
});
