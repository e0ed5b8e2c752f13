/**
 * oclif's own parse errors (an unknown flag, a missing argument, a value outside a flag's options)
 * in the person's language: each is turned into a USAGE error whose text comes from the catalogue,
 * naming the command's --help, instead of oclif's English message and English usage dump. A parse
 * error of a shape not known here keeps oclif's text inside the catalogue's sentence.
 */
import { GmvError } from '../src/errors.js';
import { helpText } from '../src/i18n/help-zh.js';
import type { Lang } from '../src/i18n/catalogue.js';

interface ParseErrorLike extends Error {
  flags?: string[];
  args?: { name: string; description?: string }[] | unknown[];
  parse?: unknown;
}

/** The USAGE error for an oclif parse error of command `id`; null when `error` is none. */
export function usageError(error: ParseErrorLike, id: string | undefined, lang: Lang): GmvError | null {
  if (!error.parse && !/^(Expected |Parsing --|The following errors? occurred)/.test(error.message)) return null;
  const command = `gmv ${(id ?? '').replaceAll(':', ' ')}`.trim();
  const name = error.constructor?.name;
  if (name === 'NonExistentFlagsError' && error.flags?.length) return new GmvError('USAGE', { detail: 'detail.unknownFlag', flags: error.flags.join(', '), command });
  if (name === 'RequiredArgsError' && error.args?.length) {
    const args = (error.args as { name: string; description?: string }[]).map((a) => `${a.name.toUpperCase()}${a.description ? ` (${helpText(a.description, lang) ?? a.description})` : ''}`).join(', ');
    return new GmvError('USAGE', { detail: 'detail.missingArgs', args, command });
  }
  if (name === 'UnexpectedArgsError' && error.args?.length) return new GmvError('USAGE', { detail: 'detail.unexpectedArgs', args: (error.args as unknown[]).map(String).join(' '), command });
  const message = error.message.replace(/\u001B\[[0-9;]*m/g, '').replace(/\s*See more help with --help\s*$/, '');
  let m = /^Expected --([\w-]+)=(.*) to be one of: (.*)$/s.exec(message);
  if (m) return new GmvError('USAGE', { detail: 'detail.flagOption', flag: `--${m[1] ?? ''}`, value: m[2] ?? '', options: m[3] ?? '', command });
  m = /^Expected (.*) to be one of: (.*)$/s.exec(message);
  if (m) return new GmvError('USAGE', { detail: 'detail.argOption', value: m[1] ?? '', options: m[2] ?? '', command });
  m = /^Parsing (--[\w-]+)\s+Expected an integer greater than or equal to (-?\d+) but received: (.*)$/s.exec(message);
  if (m) return new GmvError('USAGE', { detail: 'detail.integerAtLeast', flag: m[1] ?? '', min: m[2] ?? '', value: (m[3] ?? '').trim(), command });
  m = /^Parsing (--[\w-]+)\s+Expected an integer but received: (.*)$/s.exec(message);
  if (m) return new GmvError('USAGE', { detail: 'detail.integer', flag: m[1] ?? '', value: (m[2] ?? '').trim(), command });
  const missing = [...message.matchAll(/Missing required flag ([\w-]+)/g)].map((x) => `--${x[1]}`);
  if (missing.length) return new GmvError('USAGE', { detail: 'detail.missingFlags', flags: missing.join(', '), command });
  return new GmvError('USAGE', { detail: 'detail.parse', reason: message.replace(/^The following errors? occurred:\s*/, '').trim(), command });
}
