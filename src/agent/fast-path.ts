/**
 * The hot commands without oclif, the database driver or openpgp in this process: `gmv whoami`,
 * `gmv secret show SLUG [--field F]` and `gmv otp SLUG` ask this terminal's session agent, which
 * runs the same use cases (access decision, audit) with everything already loaded. Arguments this
 * path does not understand fall through to the full CLI, which gives the same answers.
 */
import { localPaths } from '../local/paths.js';
import { resolveTarget, targetLocation } from '../local/vault-location.js';
import { pickLang, render, type Lang } from '../i18n/catalogue.js';
import { GmvError, type ErrorCode } from '../errors.js';
import { agentSocketPath, type AgentRequest } from './protocol.js';
import { findSession, request } from './client.js';
import type { Revealed } from '../services/secrets.js';

const FIELDS = ['password', 'otp', 'recovery', 'login', 'phone', 'email', 'notes'] as const;
type Field = (typeof FIELDS)[number];

interface FastArgs { command: 'whoami' | 'secret show' | 'otp'; slug?: string; field?: Field; json: boolean; vault?: string; lang?: string }

/** Parsed arguments, or null when they need the full CLI. */
export function parseFastArgs(argv: string[]): FastArgs | null {
  let rest: string[];
  let out: FastArgs;
  if (argv[0] === 'whoami') [out, rest] = [{ command: 'whoami', json: false }, argv.slice(1)];
  else if (argv[0] === 'secret' && argv[1] === 'show') [out, rest] = [{ command: 'secret show', json: false }, argv.slice(2)];
  else if (argv[0] === 'otp') [out, rest] = [{ command: 'otp', json: false }, argv.slice(1)];
  else return null;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [name, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (name === '--json' && inline === undefined) out.json = true;
    else if (name === '--vault' || name === '--lang' || (name === '--field' && out.command === 'secret show')) {
      const value = inline ?? rest[++i];
      if (value === undefined) return null;
      if (name === '--vault') out.vault = value;
      else if (name === '--lang') {
        if (value !== 'en' && value !== 'zh-CN') return null;
        out.lang = value;
      } else {
        if (!(FIELDS as readonly string[]).includes(value)) return null;
        out.field = value as Field;
      }
    } else if (!name.startsWith('-') && out.command !== 'whoami' && out.slug === undefined) out.slug = name;
    else return null;
  }
  if (out.command !== 'whoami' && out.slug === undefined) return null;
  return out;
}

function fail(error: GmvError, lang: Lang, json: boolean): number {
  const message = error.localized(lang);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, exit: error.exitCode, message } }, null, 2)}\n`);
  process.stderr.write(`${lang === 'zh-CN' ? '错误' : 'Error'}: ${message}\n`);
  return error.exitCode;
}

export async function runFast(args: FastArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const lang = pickLang(args.lang, env);
  const paths = localPaths(env);
  const target = resolveTarget(args.vault, env, paths);
  const socket = agentSocketPath(paths.runtimeDir, targetLocation(target), paths.devicesDir);
  const out = (json: unknown, human: string | string[]) => process.stdout.write(args.json ? `${JSON.stringify(json, null, 2)}\n` : `${([] as string[]).concat(human).join('\n')}\n`);

  if (args.command === 'whoami') {
    const agent = await findSession(socket);
    if (!agent) return fail(new GmvError('SESSION_REQUIRED', {}), lang, args.json);
    const s = agent.session;
    out(s, render('session.whoami', { login: s.login, name: s.name, device: s.deviceId, idle: s.idleExpiresAt, until: s.expiresAt }, lang));
    return 0;
  }
  const field = args.command === 'otp' ? 'otp' : args.field;
  const body: AgentRequest = { op: 'reveal', target, slug: args.slug!, ...(field ? { field } : {}) };
  const response = await request(socket, body);
  if (!response) return fail(new GmvError('SESSION_REQUIRED', {}), lang, args.json);
  if (!response.ok) {
    if (response.code) return fail(new GmvError(response.code as ErrorCode, response.params ?? {}), lang, args.json);
    return fail(new GmvError(response.error === 'expired' || response.error === 'locked' ? 'SESSION_REQUIRED' : 'INTERNAL', { detail: response.error }), lang, args.json);
  }
  const r = response.result as Revealed;
  if (args.command === 'otp') {
    out({ account: r.account, ...r.otp }, `${r.otp!.code}  (${render('otp.left', { seconds: r.otp!.secondsLeft }, lang)})`);
  } else if (r.otp) out(r, `${r.otp.code}  (${render('otp.left', { seconds: r.otp.secondsLeft }, lang)})`);
  else if (r.recovery) out(r, r.recovery.unused.length ? r.recovery.unused : render('recovery.none', { account: r.account }, lang));
  else out(r, field && field !== 'password' ? String(r[field]) : r.password!);
  return 0;
}
