/** Documents followed as written: their fenced shell blocks, run in order by bash as a reader would paste them. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The ```sh blocks of a Markdown file, in order; with `section`, only those under that `## ` heading
 * (up to the next one).
 */
export function shellBlocks(file: string, section?: string): string[] {
  let text = readFileSync(file, 'utf8');
  if (section) {
    const start = text.indexOf(`\n## ${section}\n`);
    if (start < 0) throw new Error(`${file} has no section "## ${section}"`);
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(start, next < 0 ? undefined : next);
  }
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

export interface ShellRun { status: number | null; stdout: string; stderr: string }

/** Run `script` with `bash -euo pipefail` (the first failing command stops it) in `cwd`, with exactly `env`. */
export function runShell(script: string, options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): ShellRun {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: options.cwd, env: options.env, encoding: 'utf8', timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
