/**
 * `--help` under LANG=zh_CN.UTF-8 is Chinese: every command's, every topic's and the root help hold
 * no English prose (the checker lists the offenders), and every help text the command classes and
 * package.json carry has its zh-CN translation, so a new or edited English text cannot slip by.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gmv, type RunResult } from '../helpers/cli.js';
import { englishProse, PRODUCT_WORDS, type KnownWords } from '../helpers/untranslated.js';
import { exampleDescription, HELP_ZH } from '../../src/i18n/help-zh.js';

interface ManifestText {
  summary?: string;
  description?: string;
  options?: string[];
  default?: unknown;
}
interface ManifestCommand extends ManifestText {
  examples?: (string | { description: string; command: string })[];
  flags: Record<string, ManifestText>;
  args: Record<string, ManifestText>;
}

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, ManifestCommand> };
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { description: string; oclif: { topics: Record<string, { description: string }> } };
const commands = Object.keys(manifest.commands).map((id) => id.replaceAll(':', ' ')).sort();
const topics = [...new Set(commands.flatMap((id) => id.split(' ').slice(0, -1).map((_, i, words) => words.slice(0, i + 1).join(' '))))]
  .filter((topic) => !commands.includes(topic))
  .sort();

/** Values gmv takes literally (platform ids, capabilities, roles, fields, formats), as the help names them. */
const LITERALS = [
  'weibo', 'wechat-oa', 'wechat-channels', 'douyin', 'toutiao', 'kuaishou', 'bilibili', 'xiaohongshu', 'app', 'website', 'other',
  'reveal', 'otp', 'manage', 'security-officer', 'account-admin', 'editor', 'reviewer', 'tech-support', 'auditor', 'leader',
  'yes', 'no', 'md', 'html', 'json', 'departure', 'unknown', 'zh-CN', 'en',
];
const optionValues = Object.values(manifest.commands).flatMap((c) => [...Object.values(c.flags), ...Object.values(c.args)].flatMap((f) => [...(f.options ?? []), ...(typeof f.default === 'string' ? f.default.split(',') : [])]));
const known: KnownWords = { commands: [...commands, ...topics], words: new Set([...PRODUCT_WORDS, ...LITERALS, ...optionValues]) };

/** Every text oclif shows in help, with where it comes from. */
function helpTexts(): { where: string; text: string }[] {
  const texts = [{ where: 'package.json description', text: pjson.description }];
  for (const [topic, { description }] of Object.entries(pjson.oclif.topics)) texts.push({ where: `topic ${topic}`, text: description });
  for (const [id, command] of Object.entries(manifest.commands)) {
    const name = id.replaceAll(':', ' ');
    for (const field of ['summary', 'description'] as const) if (command[field]) texts.push({ where: `${name} ${field}`, text: command[field] });
    for (const [flag, f] of Object.entries(command.flags)) for (const text of [f.summary, f.description]) if (text) texts.push({ where: `${name} --${flag}`, text });
    for (const [arg, a] of Object.entries(command.args)) if (a.description) texts.push({ where: `${name} ${arg.toUpperCase()}`, text: a.description });
    for (const example of command.examples ?? []) {
      const description = typeof example === 'string' ? exampleDescription(example) : example.description;
      if (description) texts.push({ where: `${name} example`, text: description });
    }
  }
  return texts;
}

/** Run `jobs` at most `limit` at a time (the machine has two cores), keeping their order. */
async function pooled<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const at = next++;
      results[at] = await jobs[at]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

describe('help in zh-CN', () => {
  const home = mkdtempSync(join(tmpdir(), 'gmv-help-'));
  const zh = { HOME: home, LANG: 'zh_CN.UTF-8' };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const offendersIn = (label: string, r: RunResult) => {
    expect(r.code, `${label}: ${r.stderr}`).toBe(0);
    return englishProse(r.stdout + r.stderr, known).map((line) => `${label}: ${line}`);
  };

  it('the checker finds the English help of a command and passes oclif\'s own Chinese layout', async () => {
    const english = await gmv(['grant', 'add', '--help'], { env: { HOME: home } });
    expect(englishProse(english.stdout, known)).toEqual(expect.arrayContaining(['--can=<value>    [default: reveal,otp] Comma-separated: reveal, otp, manage', 'LOGIN...  Login handle']));
    expect(englishProse('选项\n  --slug=<value>  Login handle\n  --x=<value>  （必填）唯一短标识，如 weibo-press\nGLOBAL FLAGS\n', known)).toEqual(['--slug=<value>  Login handle', 'GLOBAL FLAGS']);
    expect(englishProse('选项\n  --reason=<option>  [默认：manual] Why\n                     <可选值: a|b>\n', known)).toEqual(['--reason=<option>  [默认：manual] Why <可选值: a|b>']);
    expect(englishProse('说明\n  用 gmv device forget 撤回，再 gmv device enroll --login li.an；见 docs/REPORT.md。\n', known)).toEqual([]);
    expect(englishProse('说明\n  导出 the signed run 供审计\n', known)).toEqual(['导出 the signed run 供审计']);
  });

  it('every command, every topic and the root help hold no English prose', async () => {
    const runs: [string, string[]][] = [
      ['gmv --help', ['--help']],
      ['gmv help', ['help']],
      ...commands.map((id): [string, string[]] => [`gmv ${id} --help`, [...id.split(' '), '--help']]),
      ...topics.map((topic): [string, string[]] => [`gmv ${topic} --help`, [...topic.split(' '), '--help']]),
      // A bare topic is shown by the same help, reached another way.
      ['gmv audit checkpoint', ['audit', 'checkpoint']],
    ];
    const results = await pooled(runs.map(([, args]) => () => gmv(args, { env: zh })), 4);
    const offenders = results.flatMap((r, i) => offendersIn(runs[i]![0], r));
    expect(offenders, `English left in zh-CN help:\n${offenders.join('\n')}`).toEqual([]);
    // Not vacuous: the headings and a summary really are Chinese.
    expect(results[0]!.stdout).toContain('主题');
    expect(results[2]!.stdout).toMatch(/^[^\n]*[\u4e00-\u9fff]/);
  });

  it('--lang en keeps English help under a Chinese LANG, and --lang zh-CN gives Chinese under an English one', async () => {
    const en = await gmv(['grant', 'add', '--help', '--lang', 'en'], { env: zh });
    expect(en.stdout).toContain('FLAGS\n');
    expect(en.stdout).toContain('Grant a person access to one or more accounts');
    const chinese = await gmv(['grant', 'add', '--help', '--lang=zh-CN'], { env: { HOME: home } });
    expect(chinese.stdout).toContain('选项\n');
    expect(offendersIn('gmv grant add --help --lang=zh-CN', chinese)).toEqual([]);
  });

  it('gmv help COMMAND is that command\'s help, and help of no command names the closest ones in Chinese, exit 2', async () => {
    const [viaHelp, viaFlag, unknown, typo] = await Promise.all([
      gmv(['help', 'grant', 'add'], { env: zh }),
      gmv(['grant', 'add', '--help'], { env: zh }),
      gmv(['account', 'nosuch', '--help'], { env: zh }),
      gmv(['help', 'acount', 'lst', '--json'], { env: { HOME: home } }),
    ]);
    expect(viaHelp.code, viaHelp.stderr).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('错误: “account nosuch”不是 gmv 命令。您是否想运行：gmv account close, gmv account list, gmv account set？');
    expect(unknown.stderr).not.toContain('not found');
    expect(typo.code).toBe(2);
    expect(JSON.parse(typo.stdout).error.message).toContain('Did you mean: gmv account list');
  });

  it('every help text of the commands, topics and package has a zh-CN translation, and every translation is in use', () => {
    const texts = helpTexts();
    const missing = texts.filter(({ text }) => !Object.hasOwn(HELP_ZH, text)).map(({ where, text }) => `${where}: ${text}`);
    expect(missing, `help texts without a zh-CN translation in src/i18n/help-zh.ts:\n${missing.join('\n')}`).toEqual([]);
    const used = new Set(texts.map(({ text }) => text));
    const stale = Object.keys(HELP_ZH).filter((english) => !used.has(english));
    expect(stale, `translations of texts no command has any more:\n${stale.join('\n')}`).toEqual([]);
  });

  it('translations keep the flags and gmv commands their English names', () => {
    const ids = [...commands, ...topics].sort((a, b) => b.length - a.length).join('|');
    const tokens = (s: string) => [...new Set(s.match(new RegExp(`(?<![\\w-])--[a-z][\\w-]*|gmv (?:${ids})(?![\\w-])`, 'g')) ?? [])];
    const changed = Object.entries(HELP_ZH)
      .filter(([english, chinese]) => tokens(english).some((token) => !chinese.includes(token)))
      .map(([english, chinese]) => `${english}\n  -> ${chinese}`);
    expect(changed, `translations that lost a flag or command:\n${changed.join('\n')}`).toEqual([]);
  });
});
