/**
 * The system clipboard through the platform's own tool (wl-copy, xclip, xsel, pbcopy): the value goes
 * over the tool's standard input, never argv. A detached helper clears it after the policy's
 * seconds, unless the user copied something else meanwhile.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { bundleFile } from '../package-root.js';
import { GmvError } from '../errors.js';

export interface ClipboardTool {
  copy: [string, ...string[]];
  paste: [string, ...string[]];
}

function onPath(cmd: string, env: NodeJS.ProcessEnv): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { env, stdio: 'ignore' }).status === 0;
}

/** The clipboard tool for this session, or null (no display, no tool). */
export function findClipboard(env: NodeJS.ProcessEnv, platform = process.platform): ClipboardTool | null {
  if (platform === 'darwin' && onPath('pbcopy', env)) return { copy: ['pbcopy'], paste: ['pbpaste'] };
  if (env.WAYLAND_DISPLAY && onPath('wl-copy', env)) return { copy: ['wl-copy'], paste: ['wl-paste', '--no-newline'] };
  if (env.DISPLAY && onPath('xclip', env)) return { copy: ['xclip', '-selection', 'clipboard'], paste: ['xclip', '-selection', 'clipboard', '-o'] };
  if (env.DISPLAY && onPath('xsel', env)) return { copy: ['xsel', '--clipboard', '--input'], paste: ['xsel', '--clipboard', '--output'] };
  return null;
}

function run(argv: [string, ...string[]], input: string | undefined, env: NodeJS.ProcessEnv): { status: number | null; stdout: string } {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, args, { input, env, encoding: 'utf8', timeout: 5000 });
  return { status: r.status, stdout: r.stdout ?? '' };
}

export function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The clipboard tool, or the usage error that says there is none. */
export function requireClipboard(env: NodeJS.ProcessEnv): ClipboardTool {
  const tool = findClipboard(env);
  if (!tool) throw new GmvError('USAGE', { detail: 'detail.clipboardNone' });
  return tool;
}

/** Copy, then leave a detached clearer behind. */
export function copyToClipboard(value: string, seconds: number, env: NodeJS.ProcessEnv): void {
  const tool = requireClipboard(env);
  if (run(tool.copy, value, env).status !== 0) throw new GmvError('INTERNAL', { detail: 'detail.clipboardFailed', tool: tool.copy[0] ?? '' });
  const clearer = spawn(process.execPath, [bundleFile('src/local/clipboard-clear.js')], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  clearer.stdin!.end(JSON.stringify({ tool, seconds, digest: digest(value) }));
  clearer.unref();
}

/** Clear the clipboard if it still holds the value with this digest. */
export function clearIfUnchanged(tool: ClipboardTool, expected: string, env: NodeJS.ProcessEnv): boolean {
  const now = run(tool.paste, undefined, env);
  if (now.status !== 0 || digest(now.stdout) !== expected) return false;
  return run(tool.copy, '', env).status === 0;
}
