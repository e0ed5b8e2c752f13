/**
 * docs/RECOVERY.md is followed as written: its shell blocks run, in order, in a folder holding only
 * a backup and the recovery key — GnuPG decrypts, sqlite3 (and psql, when PostgreSQL is at hand)
 * loads the SQL, the accounts and the audit log read back, the manifest's signature verifies with
 * GnuPG and its SHA-256 is that of every byte above it.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshPostgresUrl, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, stopGnupg, train } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';
import { runShell, shellBlocks } from '../helpers/doc-blocks.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'RECOVERY.md');

describe('docs/RECOVERY.md, by hand', () => {
  let box: Sandbox;
  let work: string;
  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    const ok = async (args: string[], input?: string) => {
      const r = await gmv(args, { env: box.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    };
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    await ok(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科']);
    work = mkdtempSync(join(tmpdir(), 'gmv-recovery-doc-'));
    await ok(['backup', 'create', '--out', join(work, 'gmv-backup.gmvbak')]);
    copyFileSync(join(box.dir, 'recovery.asc'), join(work, 'recovery.asc'));
  });
  afterAll(async () => {
    await lockAll(undefined, [box?.env]);
    if (work) stopGnupg(join(work, '.gnupg'));
  });

  it('runs every shell block of the document and reads the vault back', async () => {
    const blocks = shellBlocks(DOC);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const pg = inject('pgUrl') ? await freshPostgresUrl() : null;
    const script = blocks
      .filter((b) => pg || !b.includes('psql'))
      .map((b) => b.replace('postgresql://USER@HOST/EMPTY_DB', pg ?? ''))
      .join('\n')
      // The folder is the document's "private folder": keep GnuPG's home inside it.
      .replace('export GNUPGHOME="$(mktemp -d)"', 'export GNUPGHOME="$PWD/.gnupg"; mkdir -m 700 -p "$GNUPGHOME"');
    const ran = runShell(script, { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work } });
    expect(ran.status, ran.stderr).toBe(0);
    const out = ran.stdout;
    expect(out).toMatch(/^-- gmv backup/m);
    expect(out).toContain('weibo-press|weibo|沈阳发布|active');
    expect(out).toMatch(/li\.an\|李安\|active\|\["security-officer"\]/);
    expect(out).toMatch(/\|li\.an\|backup\.create\|\|ok/);
    const manifest = JSON.parse(readFileSync(join(work, 'manifest.json'), 'utf8')) as { content_sha256: string };
    expect(out).toContain(`${manifest.content_sha256}  -`);
    if (pg) {
      const rows = execFileSync('psql', ['-At', pg, '-c', 'select slug from accounts'], { encoding: 'utf8' });
      expect(rows.trim()).toBe('weibo-press');
    }
  });

  it('GnuPG reports the manifest signature good', () => {
    const verify = execFileSync('bash', ['-c', 'gpg --batch --verify manifest.json.sig manifest.json 2>&1'], { cwd: work, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: work, GNUPGHOME: join(work, '.gnupg') } });
    expect(verify).toContain('Good signature');
  });
});
