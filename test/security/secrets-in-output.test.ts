/**
 * Threat: the passphrase leaking through what gmv prints.
 *
 * Attacker's position: can read what gmv writes (terminal scrollback, CI logs, shell history of
 * piped JSON, support tickets with pasted output, the audit log an auditor exports), but never saw
 * the passphrase being typed: it came from --passphrase-file FILE or standard input.
 *
 * What must hold: the officer passphrase (and a rejected weak or wrong passphrase) never appears in
 * stdout, stderr or --json output of any command, on success or on any error path, nor in the
 * audit log's JSON.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, OFFICER_PASSPHRASE, type RunResult } from '../helpers/cli.js';

/** The passphrase as printed in any plausible way: as is, hex, base64, JSON-escaped, URL-encoded. */
function renderings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('hex'), bytes.toString('base64'), JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
}

function expectAbsent(secret: string, label: string, result: RunResult): void {
  for (const form of renderings(secret)) {
    expect(result.stdout.includes(form), `${label}: stdout shows ${form}`).toBe(false);
    expect(result.stderr.includes(form), `${label}: stderr shows ${form}`).toBe(false);
  }
}

const initArgs = (recovery: string, extra: string[] = []) => ['init', '--org', '沈阳市测试局', '--unit', '宣传科', '--officer', '李安', '--login', 'li.an', '--recovery-key-out', recovery, ...extra];

describe.each(dialects())('passphrase never printed on %s', (dialect) => {
  let box: Sandbox;
  let passFile: string;
  const outputs: Array<[string, RunResult]> = [];

  async function run(label: string, args: string[], input?: string, env: Record<string, string> = box.env): Promise<RunResult> {
    const result = await gmv(args, { env, input });
    outputs.push([label, result]);
    return result;
  }

  beforeAll(async () => {
    box = await sandbox(dialect);
    passFile = join(box.dir, 'pass.txt');
    writeFileSync(passFile, `${OFFICER_PASSPHRASE}\n`, { mode: 0o600 });
    const init = await run('init (human)', initArgs(join(box.dir, 'recovery.asc'), ['--passphrase-file', passFile]));
    expect(init.code, init.stderr).toBe(0);
  });

  it('success paths: init, org key export, audit log/verify, checkpoint export, prune — human and --json', async () => {
    const expectOk = (r: RunResult) => expect(r.code, r.stderr).toBe(0);
    expectOk(await run('org key export', ['org', 'key', 'export']));
    expectOk(await run('org key export --json', ['org', 'key', 'export', '--json']));
    expectOk(await run('checkpoint export (file)', ['audit', 'checkpoint', 'export', '--out', join(box.dir, 'e1'), '--login', 'li.an', '--passphrase-file', passFile]));
    expectOk(await run('checkpoint export --json (stdin)', ['audit', 'checkpoint', 'export', '--out', join(box.dir, 'e2'), '--login', 'li.an', '--passphrase-file', '-', '--json'], OFFICER_PASSPHRASE));
    expectOk(await run('prune outside retention --json', ['audit', 'prune', '--before', '2020-01-01', '--login', 'li.an', '--passphrase-file', '-', '--json'], OFFICER_PASSPHRASE));
    expectOk(await run('audit verify', ['audit', 'verify']));
    expectOk(await run('audit verify --since-checkpoint --json', ['audit', 'verify', '--since-checkpoint', join(box.dir, 'e1', 'checkpoint.json'), '--json']));
    for (const [label, result] of outputs) {
      expectAbsent(OFFICER_PASSPHRASE, label, result);
      // Nor any private key (the recovery key init writes to a file, the org key export uses).
      expect(result.stdout + result.stderr, label).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('error paths: retention denial, existing vault, unknown login, wrong passphrase (--debug), zh-CN', async () => {
    const retention = await run('prune inside retention', ['audit', 'prune', '--before', new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10), '--login', 'li.an', '--passphrase-file', passFile, '--lang', 'zh-CN']);
    expect(retention.code, retention.stderr).toBe(4);
    const again = await run('init on the existing vault --json', initArgs(join(box.dir, 'recovery-2.asc'), ['--passphrase-file', '-', '--json']), `${OFFICER_PASSPHRASE}\n`);
    expect(again.code).toBe(9);
    const unknownLogin = await run('unknown login', ['audit', 'checkpoint', 'export', '--out', join(box.dir, 'e4'), '--login', 'zhang.wei', '--passphrase-file', passFile, '--json']);
    expect(unknownLogin.code).toBe(5);

    // Last: a failed login throttles li.an.
    const wrong = `${OFFICER_PASSPHRASE}-wrong`;
    const denied = await run('wrong passphrase --json --debug', ['audit', 'checkpoint', 'export', '--out', join(box.dir, 'e3'), '--login', 'li.an', '--passphrase-file', '-', '--json', '--debug'], wrong);
    expect(denied.code, denied.stderr).toBe(5);
    expectAbsent(wrong, 'wrong passphrase', denied);
    expect(existsSync(join(box.dir, 'e3'))).toBe(false);
    const deniedZh = await run('throttled, zh-CN', ['audit', 'checkpoint', 'export', '--out', join(box.dir, 'e5'), '--login', 'li.an', '--passphrase-file', '-', '--lang', 'zh-CN'], wrong);
    expect(deniedZh.code).toBe(5);
    expectAbsent(wrong, 'wrong passphrase (zh-CN)', deniedZh);
    for (const [label, result] of outputs) expectAbsent(OFFICER_PASSPHRASE, label, result);
  });

  it('the audit log (human and JSON) records attempts without the passphrase', async () => {
    const human = await run('audit log', ['audit', 'log']);
    const json = await run('audit log --json', ['audit', 'log', '--json']);
    expect(human.code).toBe(0);
    // The log does hold the failed attempts (so the search covers them).
    const actions = JSON.parse(json.stdout).entries.map((e: { action: string; outcome: string }) => `${e.action}/${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['auth.failed/denied', 'audit.prune/denied', 'audit.checkpoint.export/ok']));
    expectAbsent(OFFICER_PASSPHRASE, 'audit log', human);
    expectAbsent(OFFICER_PASSPHRASE, 'audit log --json', json);
    expectAbsent(`${OFFICER_PASSPHRASE}-wrong`, 'audit log --json', json);
  });

  it('rejected weak passphrases are not echoed back (too short, common, both languages, --json)', async () => {
    const fresh = await sandbox(dialect);
    for (const [weak, lang] of [['Short-7Q', 'en'], ['password1234', 'en'], ['Password1234', 'zh-CN']] as const) {
      const result = await gmv(initArgs(join(fresh.dir, 'recovery.asc'), ['--passphrase-file', '-', '--json', '--lang', lang]), { env: fresh.env, input: `${weak}\n` });
      expect(result.code, result.stderr).toBe(11);
      expect(JSON.parse(result.stdout).error.code).toBe('PASSPHRASE_WEAK');
      expectAbsent(weak, `weak passphrase ${weak}`, result);
      expectAbsent(weak.toLowerCase(), `weak passphrase ${weak} (folded)`, result);
    }
  });
});
