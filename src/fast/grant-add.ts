/**
 * `gmv grant add` without oclif: a grant of a thousand accounts should cost its wraps and writes,
 * not the framework's start-up (about a fifth of it). Same flags, order of checks, output, errors and
 * exit codes as commands/grant/add.ts, which runs for anything else: --help, --debug, a flag or
 * value this parser does not take, and a run at a terminal without --json or --quiet (the command
 * shows a progress bar there; cli-progress stays off this path).
 */
import { ExitCode } from '../errors.js';
import { pickLang, render } from '../i18n/catalogue.js';
import { GLOBAL_FLAGS, parseFlags } from './args.js';
import { untilFlag } from './until-flag.js';
import { failed } from './failure.js';
import { printNote, printResult } from './output.js';

interface GrantAddArgs { json: boolean; vault?: string; lang?: string; login: string; slugs: string[]; can: string; until?: string }

export function parseFastArgs(argv: string[]): GrantAddArgs | null {
  if (argv[0] !== 'grant' || argv[1] !== 'add') return null;
  const parsed = parseFlags(argv.slice(2), { booleans: [...GLOBAL_FLAGS.booleans, '--quiet', '-q'], values: { ...GLOBAL_FLAGS.values, '--can': null, '--until': null } });
  if (!parsed || parsed.positionals.length < 2) return null;
  // -q is --quiet: both given is the same flag twice, which oclif refuses.
  if (parsed.booleans.has('--quiet') && parsed.booleans.has('-q')) return null;
  const quiet = parsed.booleans.has('--quiet') || parsed.booleans.has('-q');
  const json = parsed.booleans.has('--json');
  if (!json && !quiet && process.stderr.isTTY && process.env.TERM !== 'dumb') return null;
  const [login, ...slugs] = parsed.positionals as [string, ...string[]];
  return { json, vault: parsed.values.get('--vault'), lang: parsed.values.get('--lang'), login, slugs, can: parsed.values.get('--can') ?? 'reveal,otp', until: parsed.values.get('--until') };
}

export async function runFast(args: GrantAddArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const lang = pickLang(args.lang, env);
  // As every command: Ctrl+C says so and stops with 130; the open transaction is never committed.
  process.once('SIGINT', () => {
    printNote(render('error.CANCELLED', {}, lang));
    process.exit(ExitCode.cancelled);
  });
  const [{ localPaths }, { checkedTarget, resolveTarget, targetLocation }] = await Promise.all([import('../local/paths.js'), import('../local/vault-location.js')]);
  let location = args.vault ?? '(vault)';
  let close: (() => Promise<void>) | null = null;
  try {
    const { addGrants, grantAddedLines, parseCapabilities } = await import('../services/grants.js');
    const can = parseCapabilities(args.can);
    const until = untilFlag('until', args.until) ?? null;
    const paths = localPaths(env);
    const target = checkedTarget(resolveTarget(args.vault, env, paths));
    location = targetLocation(target);
    const [{ requireSession }, { agentSocketPath }, { sessionActor }, { openVault }] = await Promise.all([
      import('../agent/client.js'), import('../agent/protocol.js'), import('../services/session.js'), import('../services/vault.js')]);
    const agent = await requireSession(agentSocketPath(paths.runtimeDir, location, paths.devicesDir));
    const vault = await openVault({ target, paths });
    close = () => vault.store.close();
    const officer = await sessionActor(vault, agent);
    const grants = await addGrants(vault, officer, args.login, args.slugs, can, until);
    printResult(args.json, { grants }, () => grantAddedLines(grants, (key, params) => render(key, params, lang)));
    return 0;
  } catch (error) {
    return failed(error, location, lang, args.json);
  } finally {
    await close?.().catch(() => undefined);
  }
}
