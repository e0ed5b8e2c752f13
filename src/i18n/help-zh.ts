/**
 * The zh-CN texts of `gmv --help`: command summaries and descriptions, flag and argument
 * descriptions, topic descriptions (package.json oclif.topics) and the package description. Keyed
 * by the English text exactly as the command classes and package.json hold it (the gettext way): an
 * English text edited without its translation has none, and test/cli/help-zh.test.ts names it.
 * Headings and flag notes are in catalogue.ts; this table is loaded only when help is shown.
 */
import type { Lang } from './catalogue.js';

export const HELP_ZH: Readonly<Record<string, string>> = {
};

/** An English help text in `lang`; English, and a text without a translation, as given. */
export function helpText(english: string | undefined, lang: Lang): string | undefined {
  if (english === undefined || lang === 'en') return english;
  return Object.hasOwn(HELP_ZH, english) ? HELP_ZH[english] : english;
}
