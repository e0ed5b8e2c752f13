/**
 * One JSON vocabulary (docs/json.md), checked on what every command prints with --json: the README
 * walk runs with a `gmv` on PATH that adds --json to each call and keeps what it printed, then the
 * commands the walk does not reach run against the vault it left. A command of the oclif manifest
 * that neither reaches fails the test, so a new command comes with its case.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, gmv, stopGnupg, type RunResult } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';
import { runShell, shellBlocks } from '../helpers/doc-blocks.js';
import { CALENDAR_2027 } from '../helpers/calendars.js';

const ROOT = join(import.meta.dirname, '..', '..');
const COMMANDS = Object.keys((JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> }).commands)
  .map((id) => id.replace(/:/g, ' '));

/** Commands whose output is not a JSON document by design, and why (docs/json.md says so too). */
const NOT_JSON: Record<string, string> = {
  completion: 'prints a shell script for eval',
};

/** Keys whose objects are signed content or keyed by data, not vocabulary: left as they are. */
const OPAQUE = new Set(['details', 'manifest']);
/** Names the vocabulary replaces, when they hold a name (a string or null). */
const RENAMED: Record<string, string> = { account: 'slug', accountSlug: 'slug', person: 'login', user: 'login', expiresOn: 'until', lapsesOn: 'until' };

/**
 * Commands that print one record, the key it stands under and the record's own name: a single record
 * is under a named key, never spread over the top level (`checklist run` needs a terminal; here it
 * only shows the error shape).
 */
const RECORD_KEYS: Record<string, { key: string; name: string }> = {
  ...Object.fromEntries(['account add', 'account show', 'account set', 'account archive'].map((c) => [c, { key: 'account', name: 'slug' }])),
  ...Object.fromEntries(['binding add', 'binding remove'].map((c) => [c, { key: 'binding', name: 'id' }])),
  ...Object.fromEntries(['checklist start', 'checklist step', 'checklist sign', 'checklist countersign', 'checklist show', 'backup drill'].map((c) => [c, { key: 'run', name: 'id' }])),
  ...Object.fromEntries(['staff add', 'staff show', 'staff unlock', 'staff set-roles'].map((c) => [c, { key: 'person', name: 'login' }])),
  ...Object.fromEntries(['impersonation report', 'impersonation show'].map((c) => [c, { key: 'case', name: 'id' }])),
};

/** How what `command` printed breaks "a single record is under a named key"; empty when it does not (or it is an error). */
function recordProblems(command: string, value: unknown): string[] {
  const expected = RECORD_KEYS[command];
  if (!expected || value === null || typeof value !== 'object' || 'error' in value) return [];
  const top = value as Record<string, unknown>;
  const record = top[expected.key];
  const problems: string[] = [];
  if (record === null || typeof record !== 'object' || Array.isArray(record)) problems.push(`(top): the record is not under "${expected.key}"`);
  else if (!(expected.name in record)) problems.push(`.${expected.key}: no ${expected.name}`);
  if (expected.name in top) problems.push(`(top).${expected.name}: the record's own fields at the top level`);
  return problems;
}

/** What in `value` breaks the vocabulary, as `path: problem` lines; empty when nothing does. */
function vocabularyProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ['(top): not an object with named keys'];
  const problems: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (Array.isArray(item)) problems.push(`${path}[${i}]: a list inside a list, not under a named key`);
        walk(item, `${path}[]`);
      });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [key, child] of Object.entries(v)) {
      if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) problems.push(`${path}.${key}: not camelCase`);
      if (key in RENAMED && (typeof child === 'string' || child === null)) problems.push(`${path}.${key}: named ${RENAMED[key]} in this vocabulary`);
      if (!OPAQUE.has(key)) walk(child, `${path}.${key}`);
    }
  };
  walk(value, '');
  return [...new Set(problems)];
}

/** The manifest's command a `gmv` argv runs (the longest id its leading words make). */
function commandOf(argv: string[]): string | undefined {
  for (let n = 3; n > 0; n--) {
    const id = argv.slice(0, n).join(' ');
    if (COMMANDS.includes(id)) return id;
  }
  return undefined;
}

describe('one JSON vocabulary across every command', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const root of roots) {
      await lockAll(root, []);
      for (const dir of readdirSync(join(root, 'tmp'))) stopGnupg(join(root, 'tmp', dir, 'gnupg'));
    }
  });

  it('the checker refuses what the vocabulary does not allow', () => {
    expect(vocabularyProblems([{ slug: 'a' }])).toEqual(['(top): not an object with named keys']);
    expect(vocabularyProblems({ grants: [{ account: 'weibo-press', grant_id: 1 }] })).toEqual(['.grants[].account: named slug in this vocabulary', '.grants[].grant_id: not camelCase']);
    expect(vocabularyProblems({ binding: { person: 'li.an', expiresOn: null } })).toEqual(['.binding.person: named login in this vocabulary', '.binding.expiresOn: named until in this vocabulary']);
    expect(vocabularyProblems({ entries: [{ details: { wraps_revoked: 1, person: 'li.an' } }], account: { slug: 'a' } })).toEqual([]);
    // One account printed as the top level itself, as account show did before issue 13.
    expect(recordProblems('account show', { slug: 'weibo-press', version: 3, fields: ['password'] })).toEqual(['(top): the record is not under "account"', '(top).slug: the record\'s own fields at the top level']);
    expect(recordProblems('checklist sign', { id: 'R-0001', status: 'signed', started: [] })).toEqual(['(top): the record is not under "run"', '(top).id: the record\'s own fields at the top level']);
    expect(recordProblems('staff show', { person: { login: 'li.an' }, login: 'li.an' })).toEqual(['(top).login: the record\'s own fields at the top level']);
    expect(recordProblems('binding add', { binding: [{ id: 1 }] })).toEqual(['(top): the record is not under "binding"']);
    expect(recordProblems('account set', { account: { slug: 'weibo-press' }, runs: [] })).toEqual([]);
    expect(recordProblems('account show', { error: { code: 'ACCOUNT_NOT_FOUND' } })).toEqual([]);
  });

  it('every command prints it, in the README walk or after it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gmv-json-'));
    roots.push(root);
    for (const dir of ['bin', 'home', 'tmp', 'log']) mkdirSync(join(root, dir));
    const log = join(root, 'log');
    // Each call adds --json (unless it has it) and keeps its argv and stdout; the few whose human
    // output the walk reads (a day it passes on, a key it imports, a script it evals) run as written
    // and get their --json case below.
    writeFileSync(join(root, 'bin', 'gmv'), [
      '#!/bin/bash',
      `case "$1 $2" in "completion "*|"calendar add-workdays"|"org key") exec "${process.execPath}" "${BIN}" "$@";; esac`,
      `n="${log}/$(date +%s%N)"; printf '%s\\n' "$@" > "$n.argv"`,
      `if [[ " $* " == *" --json "* ]]; then "${process.execPath}" "${BIN}" "$@" > "$n.out"; else "${process.execPath}" "${BIN}" "$@" --json > "$n.out"; fi`,
      'rc=$?; cat "$n.out"; exit $rc', '',
    ].join('\n'));
    chmodSync(join(root, 'bin', 'gmv'), 0o755);
    const env: Record<string, string> = {
      PATH: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: join(root, 'home'), TMPDIR: join(root, 'tmp'),
      LANG: 'C.UTF-8', NODE_ENV: 'production',
    };
    const ran = runShell(shellBlocks(join(ROOT, 'README.md'), 'Usage').join('\n'), { cwd: join(root, 'home'), env });
    expect(ran.status, ran.stderr.slice(-4000)).toBe(0);

    const outputs: { argv: string[]; stdout: string }[] = readdirSync(log).filter((f) => f.endsWith('.argv')).sort().map((f) => ({
      argv: readFileSync(join(log, f), 'utf8').split('\n').slice(0, -1),
      stdout: readFileSync(join(log, f.replace(/\.argv$/, '.out')), 'utf8'),
    }));

    // The walk's folder, and the terminals in it.
    const [scratch] = readdirSync(join(root, 'tmp')).filter((d) => d.startsWith('tmp.'));
    const folder = join(root, 'tmp', scratch!);
    const at = (terminal: string) => ({ ...env, GMV_VAULT: join(folder, 'vault.db'), XDG_CONFIG_HOME: join(folder, terminal) });
    const li = at('li.an-terminal');
    const run = async (argv: string[], terminal = li, input?: string): Promise<RunResult> => {
      const r = await gmv([...argv, '--json'], { env: terminal, input });
      outputs.push({ argv, stdout: r.stdout });
      return r;
    };
    const ok = async (argv: string[], terminal = li, input?: string) => {
      const r = await run(argv, terminal, input);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const newPass = readFileSync(join(folder, 'li.an.new.pass'), 'utf8');
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], li, newPass);
    await ok(['calendar', 'add-workdays', '2025-09-28', '7']);
    await ok(['org', 'key', 'export']);
    writeFileSync(join(folder, '2027.yaml'), CALENDAR_2027);
    await ok(['calendar', 'import', join(folder, '2027.yaml')]);
    await ok(['unit', 'list']);
    const runs = (await ok(['checklist', 'list'])).runs as { id: string; status: string }[];
    await ok(['checklist', 'show', runs[0]!.id]);
    // At a terminal it asks for each step; without one, --json gets the error shape.
    expect(JSON.parse((await run(['checklist', 'run', runs[0]!.id])).stdout).error.code).toBe('TTY_REQUIRED');
    await ok(['account', 'add', '--slug', 'toutiao-old', '--platform', 'toutiao', '--name', '沈阳旧头条', '--unit', '新媒体科']);
    await ok(['account', 'archive', 'toutiao-old']);
    await ok(['audit', 'prune', '--before', '2020-01-01']);
    const binding = await ok(['binding', 'add', 'weibo-press', '--role', 'long-term-operator', '--person', 'zhao.min']);
    await ok(['binding', 'remove', String((binding.binding as { id: number }).id)]);
    await ok(['grant', 'add', 'zhao.min', 'weibo-press', '--can', 'otp']);
    await ok(['grant', 'remove', 'zhao.min', 'weibo-press']);
    await ok(['rotate', 'start', 'weibo-press', '--reason', 'manual']);
    await ok(['rotate', 'abort', 'weibo-press']);
    await ok(['staff', 'set-roles', 'wang.fang', '--roles', 'editor,reviewer']);
    await ok(['staff', 'unlock', 'wang.fang']);
    await ok(['mfa', 'enroll']);
    // Wang Fang's terminal: an enrollment turned down, forgotten, made again, approved, revoked.
    const wang = at('wang.fang-terminal');
    writeFileSync(join(folder, 'wang.pass'), 'wang-fang-terminal-pass-4Z');
    const rejected = await ok(['device', 'enroll', '--login', 'wang.fang', '--passphrase-file', join(folder, 'wang.pass')], wang);
    await ok(['device', 'reject', String(rejected.code)]);
    await ok(['device', 'forget'], wang);
    const enrolled = await ok(['device', 'enroll', '--login', 'wang.fang', '--passphrase-file', join(folder, 'wang.pass')], wang);
    await ok(['device', 'approve', String(enrolled.code)]);
    // Her second terminal gets her key from the first.
    const second = await ok(['device', 'enroll', '--login', 'wang.fang'], at('wang.fang-second'));
    await ok(['device', 'approve', String(second.code)]);
    await ok(['device', 'add-key', String(second.deviceId), '--login', 'wang.fang', '--passphrase-file', join(folder, 'wang.pass')], wang);
    await ok(['device', 'revoke', String(enrolled.deviceId), '--reason', 'laptop lost']);
    await ok(['logout']);
    await ok(['recover', '--login', 'li.an', '--recovery-key', join(folder, 'recovery.asc'), '--passphrase-file', '-'], li, newPass);
    const completion = await gmv(['completion', 'bash', '--json'], { env: li });
    expect(completion.stdout).toContain('_gmv_complete');

    // The walk went through the shim: well over a hundred calls were kept.
    expect(outputs.length).toBeGreaterThan(100);
    const offenders = outputs.flatMap(({ argv, stdout }) => {
      let value: unknown;
      try {
        value = JSON.parse(stdout);
      } catch {
        return [`gmv ${argv.join(' ')}: not JSON: ${stdout.slice(0, 80)}`];
      }
      const command = commandOf(argv) ?? argv.join(' ');
      return [...vocabularyProblems(value), ...recordProblems(command, value)].map((p) => `gmv ${argv.slice(0, 3).join(' ')} ${p}`);
    });
    expect(offenders).toEqual([]);
    // Each command that prints one record printed it at least once (not only an error).
    const printedRecord = new Set(outputs.filter((o) => !o.stdout.startsWith('{\n  "error"')).map((o) => commandOf(o.argv)));
    expect(Object.keys(RECORD_KEYS).filter((id) => !printedRecord.has(id))).toEqual([]);

    const reached = new Set(outputs.map((o) => commandOf(o.argv)));
    expect(COMMANDS.filter((id) => !reached.has(id) && !(id in NOT_JSON))).toEqual([]);
  }, 480_000); // the whole README walk and forty commands more, one gmv process each
});
