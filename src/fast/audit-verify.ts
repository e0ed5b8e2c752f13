/**
 * `gmv audit verify` without oclif: verifying a large log should cost the scan, not the framework's
 * start-up. Same flags, output, errors and exit codes as commands/audit/verify.ts; anything else
 * (--help, --debug, a typo) falls through to the full CLI.
 */
import { pickLang } from '../i18n/catalogue.js';
import { localPaths } from '../local/paths.js';
import { checkedTarget, resolveTarget } from '../local/vault-location.js';
import { verifyAuditAt, verifyLines } from '../services/audit-verify.js';
import { GLOBAL_FLAGS, parseFlags } from './args.js';
import { failed } from './failure.js';
import { printResult } from './output.js';

interface VerifyArgs { json: boolean; vault?: string; lang?: string; sinceCheckpoint?: string; orgKey?: string; witness?: string }

export function parseFastArgs(argv: string[]): VerifyArgs | null {
  if (argv[0] !== 'audit' || argv[1] !== 'verify') return null;
  const parsed = parseFlags(argv.slice(2), { booleans: GLOBAL_FLAGS.booleans, values: { ...GLOBAL_FLAGS.values, '--since-checkpoint': null, '--org-key': null, '--witness': null } });
  if (!parsed || parsed.positionals.length > 0) return null;
  // At a terminal the full command shows a progress bar (cli-progress stays off this path).
  if (!parsed.booleans.has('--json') && process.stderr.isTTY && process.env.TERM !== 'dumb') return null;
  return {
    json: parsed.booleans.has('--json'),
    vault: parsed.values.get('--vault'),
    lang: parsed.values.get('--lang'),
    sinceCheckpoint: parsed.values.get('--since-checkpoint'),
    orgKey: parsed.values.get('--org-key'),
    witness: parsed.values.get('--witness'),
  };
}

export async function runFast(args: VerifyArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const lang = pickLang(args.lang, env);
  try {
    const paths = localPaths(env);
    const target = checkedTarget(resolveTarget(args.vault, env, paths));
    const report = await verifyAuditAt(target, { sinceCheckpoint: args.sinceCheckpoint, orgKeyFile: args.orgKey, devicesDir: paths.devicesDir, witnessDir: args.witness });
    printResult(args.json, { ok: true, ...report }, () => verifyLines(report, lang));
    return 0;
  } catch (error) {
    return failed(error, args.vault ?? '(vault)', lang, args.json);
  }
}
