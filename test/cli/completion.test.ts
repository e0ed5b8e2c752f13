/** `gmv completion bash|zsh`: a script generated from the commands this gmv has, that completes them in bash. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gmv } from '../helpers/cli.js';

describe('shell completion', () => {
  it('completes topics, subcommands, flags and flag values in bash', async () => {
    const script = await gmv(['completion', 'bash']);
    expect(script.code, script.stderr).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'gmv-completion-')), 'gmv.bash');
    writeFileSync(file, script.stdout);
    const complete = (...words: string[]) => execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _gmv_complete; echo "\${COMPREPLY[*]}"`, 'bash', 'gmv', ...words], { encoding: 'utf8' }).trim().split(' ');
    expect(complete('dev')).toEqual(['device']);
    expect(complete('device', '')).toEqual(expect.arrayContaining(['approve', 'enroll', 'reject', 'forget', 'revoke']));
    expect(complete('secret', 'show', 'weibo-press', '--fi')).toEqual(['--field']);
    expect(complete('secret', 'show', 'weibo-press', '--field', 'to')).toEqual(['totp']);
    expect(complete('staff', 'li')).toEqual(['list']);
    const zsh = await gmv(['completion', 'zsh']);
    expect(zsh.stdout.startsWith('#compdef gmv\n')).toBe(true);
    expect((await gmv(['completion', 'fish'])).code).toBe(2);
  });
});
