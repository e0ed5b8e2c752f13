/** A mistyped command names the closest ones, in the user's language, in JSON too; `gmv help` lists them. */
import { describe, expect, it } from 'vitest';
import { gmv } from '../helpers/cli.js';

describe('an unknown command', () => {
  it('suggests the closest commands and exits 2', async () => {
    const typo = await gmv(['acount', 'list']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"acount list" is not a gmv command. Did you mean: gmv account list?');
    const staff = await gmv(['staf', 'ad']);
    expect(staff.stderr).toContain('gmv staff add');
    const nothing = await gmv(['frobnicate']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Run gmv help for the list of commands.');
    expect(nothing.stderr).not.toContain('Did you mean');
  });

  it('keeps --json errors in JSON and speaks Chinese under zh_CN', async () => {
    const json = await gmv(['account', 'lst', '--json']);
    expect(json.code).toBe(2);
    const error = JSON.parse(json.stdout).error;
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('gmv account list');
    const zh = await gmv(['acount', 'list'], { env: { LANG: 'zh_CN.UTF-8' } });
    expect(zh.stderr).toContain('“acount list”不是 gmv 命令。您是否想运行：gmv account list？');
  });

  it('gmv help lists the commands', async () => {
    const help = await gmv(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('account');
    expect(help.stdout).toContain('staff');
  });
});
