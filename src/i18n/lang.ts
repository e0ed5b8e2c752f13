/** Which language a command speaks, from flags and environment: apart from the catalogue, so a reveal that renders nothing does not load it. */

export type Lang = 'en' | 'zh-CN';

/** Language from an explicit flag, else from LC_ALL / LC_MESSAGES / LANG (zh* means zh-CN). */
export function pickLang(flag: string | undefined, env: NodeJS.ProcessEnv): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  // As gettext: LANGUAGE (a priority list, `zh_CN:en`) decides, except under an explicit C or POSIX locale.
  const language = env.LANGUAGE && !/^(C|POSIX)([.@]|$)/.test(locale) ? env.LANGUAGE.split(':').find(Boolean) : undefined;
  const source = flag ?? language ?? locale;
  return /^zh/i.test(source) ? 'zh-CN' : 'en';
}

/** The language a command line asks for: its --lang value (`--lang X` or `--lang=X`), else the environment's. */
export function langFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv): Lang {
  const at = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const flag = at < 0 ? undefined : argv[at]!.includes('=') ? argv[at]!.slice('--lang='.length) : argv[at + 1];
  return pickLang(flag, env);
}

export const LANGS: readonly Lang[] = ['en', 'zh-CN'];
