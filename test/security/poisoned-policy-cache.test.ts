/**
 * Threat: a laxer policy slipped into the terminal's cache of parsed policies
 * (src/policy/policy-cache.ts) — by someone else who can write where it lives, or left over from a
 * pack the vault no longer records — so that commands enforce it instead of the sealed pack. The
 * cache is believed only as a file the user alone can write, in a directory only the user may
 * enter, under the key the vault's recorded digests and this build give; anything else is parsed
 * afresh from the vault. The user's own sound entry is what the next command uses (the last step
 * shows the cache is in effect, so the refusals before it are the cache's doing).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

interface Shown { rules: { rule: string; value: unknown }[] }
interface Entry { key: string; policy: { login: { maxFailures: number }; rules: { rule: string; value: unknown }[] } }

describe.each(dialects())('the policy cache on %s', (dialect) => {
  let box: Sandbox | undefined;
  afterAll(async () => {
    await lockAll(box?.dir, [box?.env]);
  });

  it('believes only the user\'s own file under the recorded digests; a planted, foreign or broken entry is parsed afresh', async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    const env = box.env;
    const maxFailures = async () => parse<Shown>(await gmv(['policy', 'show', '--json'], { env })).rules.find((r) => r.rule === 'login.max_failures')?.value;
    expect(await maxFailures()).toBe(5);

    const dir = box.paths.runtimeDir;
    const names = readdirSync(dir).filter((f) => /^policy-[0-9a-f]{64}\.json$/.test(f));
    expect(names).toHaveLength(1);
    const file = join(dir, names[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sound = readFileSync(file, 'utf8');
    const entry = JSON.parse(sound) as Entry;
    expect(entry.policy.login.maxFailures).toBe(5);
    // What a poisoner writes: the entry with a laxer lock-out.
    const lax: Entry = { ...entry, policy: { ...entry.policy, login: { ...entry.policy.login, maxFailures: 99 }, rules: entry.policy.rules.map((r) => (r.rule === 'login.max_failures' ? { ...r, value: 99 } : r)) } };
    const plant = (text: string, mode: number) => {
      writeFileSync(file, text);
      chmodSync(file, mode);
    };

    plant(JSON.stringify(lax), 0o666);
    expect(await maxFailures()).toBe(5);
    plant(JSON.stringify({ ...lax, key: '0'.repeat(64) }), 0o600);
    expect(await maxFailures()).toBe(5);
    plant(JSON.stringify(lax), 0o600);
    chmodSync(dir, 0o777);
    try {
      expect(await maxFailures()).toBe(5);
    } finally {
      chmodSync(dir, 0o700);
    }
    // A broken entry is parsed afresh and written again as it should be.
    plant('{"key":', 0o600);
    expect(await maxFailures()).toBe(5);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(entry);

    // A new pack recorded in the vault has other digests: the old entry is not consulted for it.
    const stricter = join(box.dir, 'strict.yaml');
    writeFileSync(stricter, 'override: strict\nlogin:\n  max_failures: 3\n');
    expect((await gmv(['policy', 'apply', stricter], { env })).code).toBe(0);
    plant(JSON.stringify(lax), 0o600);
    expect(await maxFailures()).toBe(3);

    // The user's own entry under the right key is what the cache is for: it is used.
    const current = readdirSync(dir).filter((f) => /^policy-[0-9a-f]{64}\.json$/.test(f)).map((f) => join(dir, f)).find((f) => f !== file)!;
    const strictEntry = JSON.parse(readFileSync(current, 'utf8')) as Entry;
    writeFileSync(current, JSON.stringify({ ...strictEntry, policy: { ...strictEntry.policy, rules: strictEntry.policy.rules.map((r) => (r.rule === 'login.max_failures' ? { ...r, value: 4 } : r)) } }));
    expect(await maxFailures()).toBe(4);

    // Entries of packs and builds no longer in use do not pile up: a new entry leaves eight.
    for (let i = 0; i < 12; i++) {
      const stale = join(dir, `policy-${String(i).padStart(64, 'a')}.json`);
      writeFileSync(stale, '{}', { mode: 0o600 });
      utimesSync(stale, new Date(2026, 0, 1 + i), new Date(2026, 0, 1 + i));
    }
    const leftover = join(dir, `policy-${'b'.repeat(64)}.json.12345.tmp`);
    writeFileSync(leftover, '{}', { mode: 0o600 });
    utimesSync(leftover, new Date(2026, 0, 1), new Date(2026, 0, 1));
    writeFileSync(stricter, 'override: strict\nlogin:\n  max_failures: 2\n');
    expect((await gmv(['policy', 'apply', stricter], { env })).code).toBe(0);
    expect(await maxFailures()).toBe(2);
    const left = readdirSync(dir).filter((f) => f.startsWith('policy-'));
    expect(left).not.toContain(`policy-${'b'.repeat(64)}.json.12345.tmp`);
    expect(left).toHaveLength(8);
    expect(left).not.toContain(`policy-${'0'.padStart(64, 'a')}.json`);
  });
});
