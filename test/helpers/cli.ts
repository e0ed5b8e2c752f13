/** Run the built gmv binary as a user would: a child process, real files, stdout/stderr/exit code. */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'run.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
}

export function gmv(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        // vitest sets NODE_ENV=test, which oclif would treat as development mode.
        NODE_ENV: 'production',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A passphrase that meets the default policy, distinctive enough to search for in files. */
export const OFFICER_PASSPHRASE = 'plum-blossom-7Q-canal-lantern';

/** `gmv init` of the test organisation; the recovery key goes to $HOME/recovery.asc. */
export async function initVault(env: Record<string, string>, extra: string[] = []): Promise<RunResult> {
  const recovery = extra.includes('--recovery-key-out') ? [] : ['--recovery-key-out', join(env.HOME ?? '/tmp', 'recovery.asc')];
  const result = await gmv(['init', '--org', '沈阳市测试局', '--unit', '宣传科', '--officer', '李安', '--login', 'li.an', '--passphrase-file', '-', ...recovery, ...extra], { env, input: `${OFFICER_PASSPHRASE}\n` });
  if (result.code !== 0) throw new Error(`gmv init failed (${result.code}): ${result.stderr}`);
  return result;
}

/** Stop the gpg-agent a test's GnuPG home started and remove the home (agents outlive gpg otherwise). */
export function stopGnupg(home: string): void {
  try {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
  } catch {
    // No agent was started.
  }
  rmSync(home, { recursive: true, force: true });
}

/** The courses the shipped pack (policies/shenyang-2021.yaml) requires for these roles. */
export function requiredCourses(roles: string | string[]): string[] {
  const pack = parseYaml(readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'shenyang-2021.yaml'), 'utf8')) as { roles: Record<string, { training: string[] }> };
  const list = typeof roles === 'string' ? roles.split(',') : roles;
  return [...new Set(list.flatMap((r) => pack.roles[r]?.training ?? []))];
}

/** A China date `days` before `now` (the real clock unless a test's fake clock says otherwise). */
export function daysAgo(days: number, now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000 - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Record, through the binary and an officer's session in `env`, every course `roles` need (Art. 25)
 * and, with `nda`, a confidentiality agreement (Art. 7), completed `completed` (default: 60 days ago).
 */
export async function train(env: Record<string, string>, login: string, roles: string | string[], options: { completed?: string; nda?: boolean } = {}): Promise<void> {
  const completed = options.completed ?? daysAgo(60);
  const courses = requiredCourses(roles);
  if (courses.length) {
    const r = await gmv(['training', 'record', login, ...courses, '--completed', completed], { env });
    if (r.code !== 0) throw new Error(`gmv training record ${login} failed (${r.code}): ${r.stderr}`);
  }
  if (options.nda) {
    const r = await gmv(['nda', 'record', login, '--signed', completed], { env });
    if (r.code !== 0) throw new Error(`gmv nda record ${login} failed (${r.code}): ${r.stderr}`);
  }
}
