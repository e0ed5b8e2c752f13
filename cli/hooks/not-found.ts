/**
 * An unknown command: name the closest ones ("did you mean `account list`?") in the user's
 * language, keep --json errors in JSON, exit 2. `gmv help` shows the command list.
 */
import { loadHelpClass, type Hook } from '@oclif/core';
import { langFromArgv, render, type Lang } from '../../src/i18n/catalogue.js';
import { printJsonError, printNote } from '../../src/fast/output.js';
import { ExitCode } from '../../src/errors.js';

const hook: Hook<'command_not_found'> = async function (options) {
  const argv = options.argv ?? [];
  // `gmv help account add` reaches here as the id help:account:add.
  const [first, ...subject] = options.id.split(':');
  if (first === 'help') {
    const Help = await loadHelpClass(options.config);
    await new Help(options.config).showHelp([...subject, ...argv]);
    return;
  }
  const lang = langFromArgv(argv, process.env);
  const message = unknownCommand(options.id, options.config.commandIDs, lang);
  if (argv.includes('--json')) printJsonError('USAGE', message, ExitCode.usage);
  printNote(`${lang === 'zh-CN' ? '错误' : 'Error'}: ${message}`);
  this.exit(ExitCode.usage);
};

/** "X is not a gmv command", with the closest ones when there are some; ids as oclif keeps them (account:list). */
export function unknownCommand(id: string, commandIDs: readonly string[], lang: Lang): string {
  const typed = id.replaceAll(':', ' ');
  const suggestions = closest(typed, commandIDs.map((c) => c.replaceAll(':', ' ')));
  return suggestions.length
    ? render('cli.unknownCommandSuggest', { command: typed, suggestions: suggestions.map((s) => `gmv ${s}`).join(', ') }, lang)
    : render('cli.unknownCommand', { command: typed }, lang);
}

/** Up to three command names closest to what was typed: by edit distance, or sharing its first word. */
export function closest(typed: string, ids: readonly string[]): string[] {
  const budget = Math.max(2, Math.floor(typed.length / 3));
  const [topic] = typed.split(' ');
  return ids
    .map((id) => ({ id, d: distance(typed, id) }))
    .filter(({ id, d }) => d <= budget || (typed.includes(' ') && id.startsWith(`${topic} `) && d <= typed.length))
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, 3)
    .map(({ id }) => id);
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

export default hook;
