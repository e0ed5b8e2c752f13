/**
 * `gmv … | head`: when the reader of stdout goes away, gmv stops quietly with what it did done. A
 * long listing stops reading the vault; a change (a grant of hundreds of accounts with --json) is
 * committed and ends without a stack trace; so does any other command, through oclif or not, and a
 * command that fails keeps its exit code (scripts with `set -o pipefail` read it).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { BIN, gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';

/** Run gmv with stdout read until the first chunk arrives (or not at all), then closed; stderr and the exit code. */
function readFirstChunk(args: string[], env: Record<string, string>, closeAtOnce = false): Promise<{ code: number | null; stderr: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let first = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    if (closeAtOnce) child.stdout.destroy();
    child.stdout.once('data', (d: Buffer) => {
      first = d.toString();
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, first }));
  });
}

describe.each(dialects())('a closed stdout on %s', (dialect) => {
  let box: Sandbox;
  const slugs = Array.from({ length: 400 }, (_, i) => `imported-${i}`);
  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    expect((await gmv(['staff', 'set-roles', 'li.an', '--roles', 'security-officer,account-admin'], { env: box.env })).code).toBe(0);
    await train(box.env, 'li.an', ['security-officer', 'account-admin']);
    const csv = ['"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
      ...slugs.map((_, i) => `"Root","Imported ${i}","user${i}","Kp-Closed-${i}-Pass!","","","","0","2024-01-01T00:00:00Z","2024-01-01T00:00:00Z"`)].join('\n');
    writeFileSync(join(box.dir, 'import.csv'), `${csv}\n`);
    const imported = await gmv(['import', 'keepassxc', join(box.dir, 'import.csv'), '--unit', '宣传科', '--quiet'], { env: box.env });
    expect(imported.code, imported.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await gmv(['lock'], { env: box.env });
  });

  it('a long listing stops at once, exit 0, nothing on stderr', async () => {
    const r = await readFirstChunk(['audit', 'log'], box.env);
    expect(r.first).toMatch(/^#0 /);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a change whose reader is gone: no stack trace, and the change is committed', async () => {
    // A grant to the officer herself of the 400 accounts she imported replaces hers, with a reader
    // that is gone before the result prints.
    const r = await readFirstChunk(['grant', 'add', 'li.an', ...slugs, '--can', 'reveal,otp', '--json'], box.env, true);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\(node:/);
    expect(r.code).toBe(0);
    const grants = await gmv(['grant', 'list', '--login', 'li.an', '--json'], { env: box.env });
    const held = (JSON.parse(grants.stdout) as { grants: { slug: string; can: string[] }[] }).grants.filter((g) => g.slug.startsWith('imported-'));
    expect(held).toHaveLength(slugs.length);
    expect(held.every((g) => g.can.join(',') === 'reveal,otp')).toBe(true);
  });

  it.each([
    ['grant add to nobody', ['grant', 'add', 'nobody.here', 'imported-0', '--json']],
    ['account show of no account', ['account', 'show', 'no-such-account', '--json']],
  ])('a failing command (%s) keeps its coded exit with its reader gone', async (_what, args) => {
    const open = await gmv(args, { env: box.env });
    expect(open.code).toBeGreaterThan(1);
    const r = await readFirstChunk(args, box.env, true);
    expect(r.code).toBe(open.code);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\(node:/);
  });

  it.each(['staff list --json', 'whoami --json', '--version'])('gmv %s with its reader gone: exit 0, no stack trace', async (line) => {
    const r = await readFirstChunk(line.split(' '), box.env, true);
    expect(r.stderr).not.toMatch(/EPIPE|Error:|at .*\(node:/);
    expect(r.code).toBe(0);
  });
});
