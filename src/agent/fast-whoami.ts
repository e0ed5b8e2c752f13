/**
 * `gmv whoami` without oclif, the database driver or openpgp: it only asks this terminal's agent.
 * bin/run.js routes here when the arguments are ones this path understands; anything else goes
 * through the full CLI, which gives the same answers.
 */
import { localPaths } from '../local/paths.js';
import { resolveTarget, targetLocation } from '../local/vault-location.js';
import { pickLang, render } from '../i18n/catalogue.js';
import { GmvError } from '../errors.js';
import { agentSocketPath } from './protocol.js';
import { findSession } from './client.js';

/** Parsed arguments, or null when they need the full CLI. */
export function parseFastArgs(argv: string[]): { json: boolean; vault?: string; lang?: string } | null {
  const out: { json: boolean; vault?: string; lang?: string } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--json' && inline === undefined) out.json = true;
    else if (name === '--vault' || name === '--lang') {
      const value = inline ?? argv[++i];
      if (value === undefined) return null;
      if (name === '--vault') out.vault = value;
      else if (value === 'en' || value === 'zh-CN') out.lang = value;
      else return null;
    } else return null;
  }
  return out;
}

export async function fastWhoami(args: { json: boolean; vault?: string; lang?: string }, env: NodeJS.ProcessEnv): Promise<number> {
  const lang = pickLang(args.lang, env);
  const paths = localPaths(env);
  const socket = agentSocketPath(paths.runtimeDir, targetLocation(resolveTarget(args.vault, env, paths)), paths.devicesDir);
  const agent = await findSession(socket);
  if (!agent) {
    const error = new GmvError('SESSION_REQUIRED', {});
    const message = error.localized(lang);
    if (args.json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, exit: error.exitCode, message } }, null, 2)}\n`);
    process.stderr.write(`${lang === 'zh-CN' ? '错误' : 'Error'}: ${message}\n`);
    return error.exitCode;
  }
  const s = agent.session;
  process.stdout.write(args.json ? `${JSON.stringify(s, null, 2)}\n`
    : `${render('session.whoami', { login: s.login, name: s.name, device: s.deviceId, idle: s.idleExpiresAt, until: s.expiresAt }, lang)}\n`);
  return 0;
}
