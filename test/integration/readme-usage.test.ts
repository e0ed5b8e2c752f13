/**
 * README.md's Usage section is a walk a newcomer pastes: its shell blocks run, in order and as
 * written, through the built binary in an empty folder (SQLite, and PostgreSQL when at hand), and
 * leave the vault the text says — an inspection, a counterfeit case and a drill signed by two
 * officers, a departure offboarded, an audit log that verifies. The text itself keeps to what a
 * paste can run: no gmv piped into gmv, only accounts it made, secrets never in argv.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, freshPostgresUrl } from '../helpers/dialects.js';
import { BIN, gmv, stopGnupg } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';
import { runShell, shellBlocks } from '../helpers/doc-blocks.js';

const README = join(import.meta.dirname, '..', '..', 'README.md');
const blocks = shellBlocks(README, 'Usage');
const lines = blocks.join('\n').split('\n');

describe('the README Usage section, as text', () => {
  it('has blocks, pipes no gmv command into another, and names only accounts it adds', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => /\bgmv\b[^#]*\|\s*gmv\b/.test(l))).toEqual([]);
    const added = new Set(lines.flatMap((l) => [...l.matchAll(/gmv account add --slug ([a-z0-9-]+)/g)].map((m) => m[1]!)));
    expect(added.size).toBeGreaterThan(0);
    const named = lines.flatMap((l) => [...l.replace(/#.*$/, '').replace(/--platform \S+/g, '').matchAll(/\b((?:weibo|wechat|douyin|toutiao|kuaishou)-[a-z0-9-]+)\b/g)].map((m) => m[1]!));
    expect(named.filter((slug) => !added.has(slug))).toEqual([]);
  });

  it('keeps passphrases and values out of argv: from files or standard input', () => {
    expect(lines.filter((l) => /--passphrase-file\s+(?!-\s|[\w.]+\.pass\b)/.test(l))).toEqual([]);
    expect(lines.filter((l) => /gmv secret set/.test(l) && !/--from-file\s/.test(l))).toEqual([]);
    // The officer grants themselves before setting the first secret.
    const selfGrant = lines.findIndex((l) => /^gmv grant add li\.an weibo-press\b/.test(l));
    const firstSet = lines.findIndex((l) => /gmv secret set weibo-press/.test(l));
    expect(selfGrant).toBeGreaterThanOrEqual(0);
    expect(selfGrant).toBeLessThan(firstSet);
  });
});

describe.each(dialects())('the README Usage section, pasted, on %s', (dialect) => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const root of roots) {
      await lockAll(root, []);
      for (const dir of readdirSync(join(root, 'tmp'))) stopGnupg(join(root, 'tmp', dir, 'gnupg'));
    }
  });

  it('runs every block in order and leaves the vault it describes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gmv-readme-'));
    roots.push(root);
    // `gmv` on PATH is the built binary, as after `npm link`.
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'home'));
    mkdirSync(join(root, 'tmp'));
    writeFileSync(join(root, 'bin', 'gmv'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(root, 'bin', 'gmv'), 0o755);
    const env: Record<string, string> = {
      PATH: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: join(root, 'home'), TMPDIR: join(root, 'tmp'),
      LANG: 'C.UTF-8', NODE_ENV: 'production',
    };
    if (dialect === 'postgres') env.GMV_DATABASE_URL = await freshPostgresUrl();

    const ran = runShell(blocks.join('\n'), { cwd: join(root, 'home'), env });
    expect(ran.status, ran.stderr.slice(-4000)).toBe(0);
    expect(ran.stdout).toContain('zhang.pem: OK');
    expect(ran.stderr.match(/gpg: Good signature/g)).toHaveLength(2);
    expect(ran.stdout).toContain('2025-10-14');

    // The walk's folder (`cd "$(mktemp -d)"`), and li.an's terminal in it.
    const [scratch] = readdirSync(join(root, 'tmp'));
    const folder = join(root, 'tmp', scratch!);
    const li = { ...env, GMV_VAULT: join(folder, 'vault.db'), XDG_CONFIG_HOME: join(folder, 'li.an-terminal') };
    const runs = JSON.parse((await gmv(['checklist', 'list', '--json'], { env: li })).stdout) as { runs: { template: string; status: string; performer: string | null; countersigner: string | null }[] };
    const done = runs.runs.filter((r) => r.status === 'countersigned').map((r) => [r.template, r.performer, r.countersigner]);
    expect(done).toEqual(expect.arrayContaining([
      ['security-inspection', 'li.an', 'zhao.min'], ['impersonation-case', 'li.an', 'zhao.min'], ['backup-restore-drill', 'li.an', 'zhao.min'],
    ]));
    expect(runs.runs.some((r) => r.template === 'offboarding' && r.status === 'open')).toBe(true);
    const cases = JSON.parse((await gmv(['impersonation', 'list', '--json'], { env: li })).stdout) as { cases: { state: string }[] };
    expect(cases.cases.map((c) => c.state)).toEqual(['closed']);
    const zhang = JSON.parse((await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: li })).stdout).person as { status: string };
    expect(zhang.status).toBe('departed');
    const verified = await gmv(['audit', 'verify'], { env: li });
    expect(verified.code, verified.stderr).toBe(0);
    // The generated passphrases never reached the audit log or an argument list.
    const log = (await gmv(['audit', 'log', '--json'], { env: li })).stdout;
    for (const who of ['li.an', 'zhang.wei', 'zhao.min']) {
      const pass = runShell(`cat '${join(folder, `${who}.pass`)}'`, { cwd: folder, env }).stdout.trim();
      expect(pass.length).toBeGreaterThan(20);
      expect(log).not.toContain(pass);
      expect(blocks.join('\n')).not.toContain(pass);
    }
  }, 900_000);
});
