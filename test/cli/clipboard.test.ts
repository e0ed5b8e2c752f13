/**
 * --clip: the value reaches the clipboard tool over its standard input (never argv or stdout) and is
 * cleared after the policy's seconds unless the user copied something else. The clipboard tool is
 * replaced by a small script standing in for xclip, since CI has no display.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('secret show --clip', () => {
  let box: Sandbox;
  let env: Record<string, string>;
  let clip: string;
  let argvLog: string;

  beforeAll(async () => {
    box = await sandbox('sqlite');
    const bin = join(box.dir, 'fakebin');
    mkdirSync(bin);
    clip = join(box.dir, 'clipboard');
    argvLog = join(box.dir, 'xclip-argv');
    writeFileSync(join(bin, 'xclip'), `#!/bin/sh\necho "$@" >> "${argvLog}"\nif [ "$3" = "-o" ]; then cat "${clip}" 2>/dev/null; else cat > "${clip}"; fi\n`);
    chmodSync(join(bin, 'xclip'), 0o755);
    const policy = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8').replace('clipboard_seconds: 20', 'clipboard_seconds: 5');
    writeFileSync(join(box.dir, 'policy.yaml'), policy);
    env = { ...box.env, DISPLAY: ':0', PATH: `${bin}:${process.env.PATH}` };
    await initVault(env, ['--policy', join(box.dir, 'policy.yaml')]);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(env, 'li.an', 'security-officer');
    await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env });
    await gmv(['grant', 'add', 'li.an', 'weibo-press', '--can', 'reveal,manage'], { env });
    expect((await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], { env, input: 'Clip-Board-Pass-9' })).code).toBe(0);
  });
  afterAll(async () => {
    await gmv(['lock'], { env });
  });

  it('copies without printing, then clears after the policy\'s seconds', async () => {
    const r = await gmv(['secret', 'show', 'weibo-press', '--clip', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Clip-Board-Pass-9');
    expect(JSON.parse(r.stdout)).toMatchObject({ copied: true, clearsInSeconds: 5 });
    expect(readFileSync(clip, 'utf8')).toBe('Clip-Board-Pass-9');
    expect(readFileSync(argvLog, 'utf8')).not.toContain('Clip-Board-Pass-9');
    await sleep(6500);
    expect(readFileSync(clip, 'utf8')).toBe('');
  });

  it('leaves the clipboard alone if the user copied something else meanwhile', async () => {
    expect((await gmv(['secret', 'show', 'weibo-press', '--clip'], { env })).code).toBe(0);
    writeFileSync(clip, 'something the user copied');
    await sleep(6500);
    expect(readFileSync(clip, 'utf8')).toBe('something the user copied');
  });

  it('without a clipboard it refuses (exit 2) and prints nothing secret', async () => {
    const r = await gmv(['secret', 'show', 'weibo-press', '--clip'], { env: { ...env, DISPLAY: '' } });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain('Clip-Board-Pass-9');
    expect(existsSync(clip)).toBe(true);
  });
});
