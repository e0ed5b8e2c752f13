/**
 * oclif's help (`--help`, `gmv help`, a bare topic) in the reader's language: headings and flag
 * notes from the catalogue, command, flag, argument and topic texts from src/i18n/help-zh.ts.
 * package.json names it as oclif's helpClass, so it is loaded only when help is shown.
 */
import { CommandHelp, Errors, Help, type Command, type Interfaces } from '@oclif/core';
import { getHelpFlagAdditions, standardizeIDFromArgv } from '@oclif/core/help';
import { langFromArgv, render, type Lang, type MessageKey } from '../src/i18n/catalogue.js';
import { exampleDescription, helpText } from '../src/i18n/help-zh.js';
import { printJsonError, printNote } from '../src/fast/output.js';
import { ExitCode } from '../src/errors.js';
import { unknownCommand } from './hooks/not-found.js';

/** oclif's section headings, as it passes them to `section()`. */
const HEADINGS: Readonly<Record<string, MessageKey>> = {
  USAGE: 'help.usage',
  ARGUMENTS: 'help.arguments',
  FLAGS: 'help.flags',
  'GLOBAL FLAGS': 'help.globalFlags',
  DESCRIPTION: 'help.description',
  ALIASES: 'help.aliases',
  EXAMPLES: 'help.examples',
  'FLAG DESCRIPTIONS': 'help.flagDescriptions',
  TOPICS: 'help.topics',
  COMMANDS: 'help.commands',
  VERSION: 'help.version',
};

type Section = Parameters<CommandHelp['section']>[1];

function heading(header: string, lang: Lang): string {
  const key = HEADINGS[header];
  return key ? render(key, {}, lang) : header;
}

/** The command as oclif's formatter reads it, with its texts in `lang`. */
function localizedCommand(command: Command.Loadable, lang: Lang): Command.Loadable {
  const text = (english: string | undefined) => helpText(english, lang);
  return {
    ...command,
    summary: text(command.summary),
    description: text(command.description),
    flags: Object.fromEntries(Object.entries(command.flags ?? {}).map(([name, flag]) => [name, { ...flag, summary: text(flag.summary), description: text(flag.description) }])),
    args: Object.fromEntries(Object.entries(command.args ?? {}).map(([name, arg]) => [name, { ...arg, description: text(arg.description) }])),
    examples: command.examples?.map((example) => {
      if (typeof example !== 'string') return { ...example, description: text(example.description) ?? '' };
      const description = exampleDescription(example);
      return description === undefined ? example : example.replace(description, text(description)!);
    }),
  };
}

/** What help is asked for, as oclif's Help reads it: the first word that is not `help`, unless a flag comes first. */
function helpSubject(words: readonly string[]): string | undefined {
  for (const word of words) {
    if (word === '--' || word.startsWith('-')) return undefined;
    if (word !== 'help') return word;
  }
  return undefined;
}

class GmvCommandHelp extends CommandHelp {
  constructor(command: Command.Loadable, config: Interfaces.Config, opts: Interfaces.HelpOptions, private readonly lang: Lang) {
    super(command, config, opts);
  }

  override section(header: string, body: Section): string {
    return super.section(heading(header, this.lang), body);
  }

  /** As oclif lays flags out, with "(required)", "default:" and "<options: …>" from the catalogue. */
  protected override flags(flags: Command.Flag.Any[]): [string, string | undefined][] | undefined {
    if (flags.length === 0) return undefined;
    const t = (key: MessageKey, params: Record<string, string> = {}) => render(key, params, this.lang);
    const noChar = flags.every((flag) => flag.char === undefined);
    return flags.map((flag) => {
      const label = this.flagHelpLabel(flag);
      const notes: string[] = [];
      const cached = !(this.opts.respectNoCacheDefault === true && flag.noCacheDefault === true);
      if (flag.type === 'option' && flag.default !== undefined && flag.default !== '' && cached) notes.push(t('help.default', { value: String(flag.default) }));
      if (flag.env) notes.push(t('help.env', { name: flag.env }));
      let right = flag.summary || flag.description || '';
      if (notes.length > 0) right = `[${notes.join(', ')}] ${right}`;
      // The description goes in as it is (render would escape a newline in it): the template's {text} is left to fill.
      if (flag.required) right = t('help.required').replace('{text}', right);
      if (flag.type === 'option' && flag.options && !flag.helpValue && !this.opts.showFlagOptionsInTitle) right += `\n${t('help.options', { values: flag.options.join('|') })}`;
      return [noChar ? label.replace('    ', '') : label, right.trim()];
    });
  }
}

export default class GmvHelp extends Help {
  /** Help is shown before any command parses its flags, so the language comes from argv and the environment. */
  private readonly lang: Lang = langFromArgv(process.argv.slice(2), process.env);

  override section(header: string, body: Section): string {
    return super.section(heading(header, this.lang), body);
  }

  /** Help of a command or topic that does not exist names the closest ones (as a mistyped command does), exit 2. */
  override async showHelp(argv: string[]): Promise<void> {
    const helpFlags = getHelpFlagAdditions(this.config);
    const subject = helpSubject(standardizeIDFromArgv(argv.filter((a) => !helpFlags.includes(a)), this.config));
    if (subject === undefined || this.config.findCommand(subject) || this.config.findTopic(subject)) return super.showHelp(argv);
    const message = unknownCommand(subject, this.config.commandIDs, this.lang);
    if (argv.includes('--json')) printJsonError('USAGE', message, ExitCode.usage);
    printNote(`${this.lang === 'zh-CN' ? '错误' : 'Error'}: ${message}`);
    Errors.exit(ExitCode.usage);
  }

  protected override getCommandHelpClass(command: Command.Loadable): CommandHelp {
    return new GmvCommandHelp(command, this.config, this.opts, this.lang);
  }

  protected override formatCommand(command: Command.Loadable): string {
    return super.formatCommand(localizedCommand(command, this.lang));
  }

  protected override summary(command: Command.Loadable): string | undefined {
    return super.summary(localizedCommand(command, this.lang));
  }

  protected override formatTopic(topic: Interfaces.Topic): string {
    return super.formatTopic({ ...topic, description: helpText(topic.description, this.lang) });
  }

  protected override formatTopics(topics: Interfaces.Topic[]): string {
    return super.formatTopics(topics.map((topic) => ({ ...topic, description: helpText(topic.description, this.lang) })));
  }

  /** oclif's root help (summary, VERSION, USAGE) with the package description in the reader's language. */
  override formatRoot(): string {
    const summary = helpText(this.config.pjson.description, this.lang) ?? '';
    return [summary, this.section('VERSION', this.wrap(this.config.userAgent)), this.section('USAGE', this.wrap(`$ ${this.config.bin} [COMMAND]`))].filter(Boolean).join('\n\n');
  }
}
