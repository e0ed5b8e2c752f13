/**
 * The hot commands without oclif, the database driver or openpgp in this process: `gmv whoami`,
 * `gmv secret show SLUG [--field F]` and `gmv otp SLUG` ask this terminal's session agent, which
 * runs the same use cases (access decision, audit) with everything already loaded. Arguments this
 * path does not understand fall through to the full CLI, which gives the same answers.
 */
import { localPaths } from '../local/paths.js';
import { resolveTarget, targetLocation } from '../local/vault-target.js';
import { pickLang, type Lang } from '../i18n/lang.js';
import { GLOBAL_FLAGS, parseFlags } from '../fast/args.js';
import { printError, printNote, printResult } from '../fast/output.js';
import type { ErrorCode } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { agentSocketPath, type AgentRequest } from './protocol.js';
import { request } from './request.js';
import type { Revealed } from '../services/secrets.js';
import { hidesOnTerminal } from '../fast/reveal-rule.js';

// A piped reveal or code renders no message: the catalogue (both languages) and the error classes
// load only when a message is printed, which keeps them off the hot path's start-up.

async function message(key: MessageKey, params: Record<string, string | number>, lang: Lang): Promise<string> {
  const { render } = await import('../i18n/catalogue.js');
  return render(key, params, lang);
}

async function fail(code: ErrorCode, params: Record<string, string | number>, lang: Lang, json: boolean): Promise<number> {
  const { GmvError } = await import('../errors.js');
  return printError(new GmvError(code, params), lang, json);
}

/** `totp` is the field's name in `secret set` and here; `otp` is kept for scripts written before. */
const FIELDS = ['password', 'totp', 'otp', 'recovery', 'login', 'phone', 'email', 'notes'] as const;
type Field = Exclude<(typeof FIELDS)[number], 'totp'>;

interface FastArgs { command: 'whoami' | 'secret show' | 'otp'; slug?: string; field?: Field; json: boolean; reveal: boolean; vault?: string; lang?: string }

/** Parsed arguments, or null when they need the full CLI. */
export function parseFastArgs(argv: string[]): FastArgs | null {
  const [command, rest]: [FastArgs['command'] | null, string[]] = argv[0] === 'whoami' ? ['whoami', argv.slice(1)]
    : argv[0] === 'secret' && argv[1] === 'show' ? ['secret show', argv.slice(2)]
      : argv[0] === 'otp' ? ['otp', argv.slice(1)] : [null, []];
  if (!command) return null;
  const parsed = parseFlags(rest, {
    booleans: command === 'secret show' ? [...GLOBAL_FLAGS.booleans, '--reveal'] : GLOBAL_FLAGS.booleans,
    values: command === 'secret show' ? { ...GLOBAL_FLAGS.values, '--field': FIELDS } : GLOBAL_FLAGS.values,
  });
  if (!parsed || parsed.positionals.length !== (command === 'whoami' ? 0 : 1)) return null;
  return {
    command,
    json: parsed.booleans.has('--json'),
    slug: parsed.positionals[0],
    field: (parsed.values.get('--field') === 'totp' ? 'otp' : parsed.values.get('--field')) as Field | undefined,
    reveal: parsed.booleans.has('--reveal'),
    vault: parsed.values.get('--vault'),
    lang: parsed.values.get('--lang'),
  };
}

export async function runFast(args: FastArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const lang = pickLang(args.lang, env);
  const paths = localPaths(env);
  const target = resolveTarget(args.vault, env, paths);
  const socket = agentSocketPath(paths.runtimeDir, targetLocation(target), paths.devicesDir);
  const out = (json: unknown, human: string | string[]) => printResult(args.json, json, () => human);

  if (args.command === 'whoami') {
    // Asked of the agent against the vault as it is now: a course recorded or lapsed since the login shows.
    const response = await request(socket, { op: 'whoami', target });
    if (!response) return fail('SESSION_REQUIRED', {}, lang, args.json);
    if (!response.ok) return fail(response.code ? response.code as ErrorCode : 'SESSION_REQUIRED', response.params ?? {}, lang, args.json);
    // Only whoami renders notices and dates: reveal and otp do not load them.
    const [{ noticeLines }, { isoChinaTime }, { render }] = await Promise.all([import('../fast/notices.js'), import('../domain/dates.js'), import('../i18n/catalogue.js')]);
    const s = response.session!;
    for (const line of noticeLines(s.notices, lang)) printNote(line);
    out(s, render('session.whoami', { login: s.login, name: s.name, device: s.deviceId, idle: isoChinaTime(new Date(s.idleExpiresAt)), until: isoChinaTime(new Date(s.expiresAt)) }, lang));
    return 0;
  }
  const field = args.command === 'otp' ? 'otp' : args.field;
  // On a terminal a secret is not printed unless asked for: nothing is decrypted or audited.
  if (args.command === 'secret show' && hidesOnTerminal({ json: args.json, reveal: args.reveal, field, tty: Boolean(process.stdout.isTTY) })) {
    out({}, await message('secret.hidden', { account: args.slug!, field: await message(`field.${field === undefined ? 'password' : field === 'otp' ? 'totp' : field}`, {}, lang) }, lang));
    return 0;
  }
  const body: AgentRequest = { op: 'reveal', target, slug: args.slug!, ...(field ? { field } : {}) };
  const response = await request(socket, body);
  if (!response) return fail('SESSION_REQUIRED', {}, lang, args.json);
  if (!response.ok) {
    if (response.code) return fail(response.code as ErrorCode, response.params ?? {}, lang, args.json);
    return fail(response.error === 'expired' || response.error === 'locked' ? 'SESSION_REQUIRED' : 'INTERNAL', { detail: response.error ?? '' }, lang, args.json);
  }
  const r = response.result as Revealed;
  if (args.command === 'otp') {
    // To a pipe only the code, so `code=$(gmv otp weibo-press)` works.
    out({ slug: r.slug, ...r.otp }, process.stdout.isTTY && !args.json ? `${r.otp!.code}  (${await message('otp.left', { seconds: r.otp!.secondsLeft }, lang)})` : r.otp!.code);
  } else if (r.otp) out(r, args.json ? '' : `${r.otp.code}  (${await message('otp.left', { seconds: r.otp.secondsLeft }, lang)})`);
  else if (r.recovery) out(r, r.recovery.unused.length || args.json ? r.recovery.unused : await message('recovery.none', { account: r.slug }, lang));
  else out(r, field && field !== 'password' ? String(r[field]) : r.password!);
  return 0;
}
