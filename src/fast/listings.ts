/**
 * `gmv account list`, `gmv grant list` and `gmv audit log` as they print: one query each, streamed
 * to stdout. commands/ call the printers; bin/run.js calls `runFast` for all three before oclif
 * loads, with the same flags, output, errors and exit codes; anything else (--help, --debug, a bad
 * date, a vault this gmv must first upgrade) falls through to the full CLI.
 */
import { GmvError } from '../errors.js';
import { pickLang, render, type Lang, type MessageKey } from '../i18n/catalogue.js';
import { isoChinaTime, formatChinaTime, parseDateInput, parseUntilInput } from '../domain/dates.js';
import { shown } from '../domain/terminal-text.js';
import { accountLines, accountPages, auditPages, grantPages, type AccountFilter, type AuditLogQuery, type GrantFilter } from '../store/listings.js';
import { openReader, type Reader } from '../store/reader.js';
import { localPaths } from '../local/paths.js';
import { checkedTarget, resolveTarget } from '../local/vault-location.js';
import { failed } from './failure.js';
import { GLOBAL_FLAGS, parseFlags } from './args.js';
import { printJsonList, printLines, printTable } from './output.js';

const headings = (keys: Extract<MessageKey, `col.${string}`>[], lang: Lang) => keys.map((key) => render(key, {}, lang));

export async function printAccountList(reader: Reader, filter: AccountFilter, now: Date, json: boolean, lang: Lang): Promise<void> {
  // A register has few distinct versions: each word is rendered once.
  const words = new Map<string, string>();
  const versionWord = (version: number, rotating: boolean) => {
    const key = `${rotating}:${version}`;
    let word = words.get(key);
    if (word === undefined) words.set(key, word = render(rotating ? 'word.rotating' : 'word.version', { version }, lang));
    return word;
  };
  await reader.snapshot(() => json ? printJsonList('accounts', accountPages(reader, filter, now))
    : printTable(headings(['col.slug', 'col.platform', 'col.name', 'col.unit', 'col.fields', 'col.version', 'col.grantees'], lang), () => accountLines(reader, filter, now), (a) => [
      a.slug, a.platform, a.name, a.unit, a.fields.join(',') || '-', a.version === null ? '-' : versionWord(a.version, a.rotationPending), a.grantees || '-',
    ]));
}

export async function printGrantList(reader: Reader, filter: GrantFilter, now: Date, json: boolean, lang: Lang): Promise<void> {
  const pages = () => grantPages(reader, filter, now);
  await reader.snapshot(() => json ? printJsonList('grants', pages())
    : printTable(headings(['col.person', 'col.account', 'col.can', 'col.until', 'col.grantedBy', 'col.wrapped'], lang), pages, (g) => [
      g.login, g.slug, g.can.join(','), g.until ? formatChinaTime(new Date(g.until)) : '-', g.grantedBy, g.wrappedVersion === null ? '-' : render('word.version', { version: g.wrappedVersion }, lang),
    ]));
}

export async function printAuditLog(reader: Reader, vaultId: string, query: AuditLogQuery, json: boolean, lang: Lang): Promise<void> {
  const pages = () => auditPages(reader, vaultId, query);
  await reader.snapshot(() => json ? printJsonList('entries', pages()) : printLines(pages(), (e) => {
    const details = e.present ? JSON.stringify(e.details) : render('word.pruned', {}, lang);
    return shown`#${e.seq}  ${isoChinaTime(new Date(e.at))}  ${e.outcome.padEnd(6)}  ${e.action}  actor=${e.actor ?? '-'}  subject=${e.subject ?? '-'}  ${details}`;
  }, render('audit.log.empty', {}, lang)));
}

type FastArgs =
  | { command: 'account list'; json: boolean; vault?: string; lang?: string; filter: AccountFilter }
  | { command: 'grant list'; json: boolean; vault?: string; lang?: string; filter: GrantFilter }
  | { command: 'audit log'; json: boolean; vault?: string; lang?: string; query: AuditLogQuery };

/** Parsed arguments, or null when they need the full CLI. */
export function parseFastArgs(argv: string[]): FastArgs | null {
  if (argv[0] === 'account' && argv[1] === 'list') {
    const parsed = parseFlags(argv.slice(2), { booleans: [...GLOBAL_FLAGS.booleans, '--archived'], values: { ...GLOBAL_FLAGS.values, '--unit': null, '--platform': null, '--grantee': null } });
    if (!parsed || parsed.positionals.length > 0) return null;
    const filter = { unit: parsed.values.get('--unit'), platform: parsed.values.get('--platform'), grantee: parsed.values.get('--grantee'), status: parsed.booleans.has('--archived') ? 'archived' : 'active' };
    return { command: 'account list', json: parsed.booleans.has('--json'), vault: parsed.values.get('--vault'), lang: parsed.values.get('--lang'), filter };
  }
  if (argv[0] === 'grant' && argv[1] === 'list') {
    const parsed = parseFlags(argv.slice(2), { booleans: GLOBAL_FLAGS.booleans, values: { ...GLOBAL_FLAGS.values, '--login': null, '--account': null } });
    if (!parsed || parsed.positionals.length > 0) return null;
    const filter = { login: parsed.values.get('--login'), account: parsed.values.get('--account') };
    return { command: 'grant list', json: parsed.booleans.has('--json'), vault: parsed.values.get('--vault'), lang: parsed.values.get('--lang'), filter };
  }
  if (argv[0] === 'audit' && argv[1] === 'log') {
    const parsed = parseFlags(argv.slice(2), { booleans: GLOBAL_FLAGS.booleans, values: { ...GLOBAL_FLAGS.values, '--actor': null, '--subject': null, '--action': null, '--since': null, '--until': null, '--last': null } });
    if (!parsed || parsed.positionals.length > 0) return null;
    const [since, until, last] = [parsed.values.get('--since'), parsed.values.get('--until'), parsed.values.get('--last')];
    const sinceAt = since === undefined ? undefined : parseDateInput(since);
    const untilAt = until === undefined ? undefined : parseUntilInput(until);
    if (sinceAt === null || untilAt === null || (last !== undefined && !/^[1-9][0-9]{0,8}$/.test(last))) return null;
    const query = { actor: parsed.values.get('--actor'), subject: parsed.values.get('--subject'), action: parsed.values.get('--action'), since: sinceAt, until: untilAt, limit: last === undefined ? undefined : Number(last) };
    return { command: 'audit log', json: parsed.booleans.has('--json'), vault: parsed.values.get('--vault'), lang: parsed.values.get('--lang'), query };
  }
  return null;
}

/** The exit code, or null when the vault needs the full CLI (a schema this gmv upgrades on open). */
export async function runFast(args: FastArgs, env: NodeJS.ProcessEnv): Promise<number | null> {
  const lang = pickLang(args.lang, env);
  let location = args.vault ?? '(vault)';
  try {
    const target = checkedTarget(resolveTarget(args.vault, env, localPaths(env)));
    const reader = await openReader(target);
    location = reader.location;
    try {
      if (reader.outdated) return null;
      if (args.command === 'account list') await printAccountList(reader, args.filter, new Date(), args.json, lang);
      else if (args.command === 'grant list') await printGrantList(reader, args.filter, new Date(), args.json, lang);
      else {
        const [row] = await reader.rows("select value from vault_meta where key = 'vault_id'");
        if (!row) throw new GmvError('VAULT_NOT_INITIALIZED', { path: reader.location });
        await printAuditLog(reader, String(row[0]), args.query, args.json, lang);
      }
      return 0;
    } finally {
      await reader.close();
    }
  } catch (error) {
    return failed(error, location, lang, args.json);
  }
}
