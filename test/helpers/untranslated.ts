/**
 * Finds English prose in output meant for a Chinese reader. Such output may hold commands, flags,
 * placeholders, file names, literal values and product names, but no English words of its own.
 */
import { LANGS, render } from '../../src/i18n/catalogue.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface KnownWords {
  /** Command ids and topics as typed (`account add`), recognised after `gmv ` and at the head of list lines. */
  commands: readonly string[];
  /** Literal values and product names (`weibo`, `reveal`, `GnuPG`), matched as whole words, case-sensitive. */
  words: ReadonlySet<string>;
}

/** Names and formats that stay as they are in any language. */
export const PRODUCT_WORDS: readonly string[] = [
  'GnuPG', 'OpenPGP', 'PostgreSQL', 'SQLite', 'Bitwarden', 'KeePassXC', 'Merkle', 'Shamir', 'openssl',
  'gpg', 'cron', 'bash', 'zsh', 'eval', 'otpauth', 'base32', 'postgres', 'gmv', 'govmedia-vault', 'linux-x64',
];

const REQUIRED = new RegExp(LANGS.map((lang) => escape(render('help.required', { text: '' }, lang))).join('|'), 'g');
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
const WORD = /[A-Za-z][A-Za-z'’-]*/g;

/**
 * oclif help as a person reads it: wrapped lines joined back into their paragraph or list entry
 * (a wrap may split `gmv checklist sign` or a list of values), without the code to type (USAGE
 * bodies, example command lines). Headings and the summary line are entries of their own.
 */
function entries(text: string): string[] {
  const code = new Set(['USAGE', '用法', 'EXAMPLES', '示例']);
  const prose = new Set(['DESCRIPTION', '说明']);
  let section = '';
  const out: string[] = [];
  let joinable = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      joinable = false;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      section = line.trim();
      joinable = false;
      if (!code.has(section)) out.push(line);
      continue;
    }
    if (section === 'USAGE' || section === '用法') continue;
    if ((section === 'EXAMPLES' || section === '示例') && /\bgmv\s/.test(line)) continue;
    const continues = joinable && (prose.has(section) || (indent > 2 && !line.trimStart().startsWith('-')));
    if (continues) out[out.length - 1] += ` ${line.trim()}`;
    else out.push(line);
    joinable = true;
  }
  return out;
}

/**
 * The English left in `text` once commands, flags, placeholders (LOGIN, FILE.N, <value>), paths, env
 * variables and known words are taken out: an English heading, and every paragraph or list entry
 * with a run of two or more English words or with an English word and no Chinese. Each offender is
 * returned as its entry, trimmed.
 */
export function englishProse(text: string, known: KnownWords): string[] {
  const ids = [...known.commands].sort((a, b) => b.length - a.length).map(escape).join('|');
  const afterGmv = new RegExp(`\\bgmv(?: (?:${ids}))?(?=$|[^\\w-])`, 'g');
  const listHead = new RegExp(`^(\\s{2,})(?:${ids})(?=\\s{2,}|$)`);
  const offenders: string[] = [];
  for (const line of entries(text)) {
    if (/^[A-Z][A-Z ]*[A-Z]$/.test(line)) {
      offenders.push(line);
      continue;
    }
    const stripped = line
      .replace(listHead, '$1')
      // oclif's notes on a flag ([default: …], (required)) are not its description
      .replace(/\[[^\]\n]*\]/g, ' ')
      .replace(REQUIRED, ' ')
      .replace(afterGmv, ' ')
      // flags (--slug, -q, --lang=zh-CN), placeholders in angle brackets, shell variables
      .replace(/(^|[\s(（\[【,，、：:“"'`])-{1,2}[A-Za-z][\w-]*(=\S*)?/g, '$1 ')
      .replace(/<[^>\n]*>/g, ' ')
      .replace(/\$\(?[\w-]+\)?/g, ' ')
      // tokens with digits, paths, dotted names, env variables, URIs: li.an, docs/REPORT.md, GMV_VAULT, X.509
      .replace(/[\w.~/:*@-]*[\d/_@~.][\w.~/:*@-]*\w/g, (token) => (/^[A-Za-z]+\.?$/.test(token) ? token : ' '))
      .replace(WORD, (word) => (known.words.has(word) || !/[a-z]/.test(word) ? ' ' : word));
    const words = stripped.match(WORD) ?? [];
    if (words.length === 0) continue;
    const runs = stripped.match(/[A-Za-z][A-Za-z'’-]*(?:[\s,;:()"'!?.]+[A-Za-z][A-Za-z'’-]*)+/g) ?? [];
    if (runs.length > 0 || !CJK.test(stripped)) offenders.push(line.trim());
  }
  return offenders;
}
