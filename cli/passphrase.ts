/**
 * Passphrases and other secrets a person types: from --passphrase-file FILE|- or a hidden prompt;
 * never from argv, never a hanging prompt. On a terminal, "-" means "ask me" (as `gopass insert`
 * does): standard input is the keyboard, not a file. Prompts go to standard error so --json output
 * stays clean, state the rules before the first keystroke, and ask again in place when a value is
 * refused. Ctrl+C at a prompt is CANCELLED (exit 130) before anything is written.
 */
import { GmvError } from '../src/errors.js';
import type { Secret } from '../src/crypto/secret.js';
import { readSecretFile } from '../src/local/read-secret.js';
import { render, type Lang, type MessageKey } from '../src/i18n/catalogue.js';
import { checkPassphrase } from '../src/policy/passphrase-rules.js';

/** The policy's rules for a new passphrase, checked as it is typed. */
export interface PassphraseRules {
  minLength: number;
  common: ReadonlySet<string>;
}

export interface PassphraseOptions {
  /** A value being set: asked twice, and asked again when the two differ. */
  confirm?: boolean;
  /** The flag that supplies the value without a terminal, named in the TTY_REQUIRED error. */
  flag?: string;
  what?: 'passphrase' | 'totp';
  /** Which passphrase the prompt asks for. */
  purpose?: 'current' | 'new';
  /** Checked at the prompt (the service checks again); only looked up when a prompt is shown. */
  rules?: () => Promise<PassphraseRules>;
}

/** Whether a person sits at this process: the keyboard on standard input, a screen on standard error. */
export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export async function readPassphrase(file: string | undefined, login: string, lang: Lang, options: PassphraseOptions = {}): Promise<Secret> {
  if (file !== undefined && !(file === '-' && interactive())) return readSecretFile(file);
  if (!interactive()) {
    const what = render(options.what === 'totp' ? 'prompt.whatTotp' : 'prompt.whatPassphrase', {}, lang);
    throw new GmvError('TTY_REQUIRED', { what, flag: options.flag ?? '--passphrase-file FILE|-' });
  }
  const rules = options.rules ? await options.rules() : undefined;
  const message: MessageKey = options.what === 'totp' ? 'prompt.totp' : options.purpose === 'new' ? 'prompt.newPassphrase' : options.purpose === 'current' ? 'prompt.currentPassphrase' : 'prompt.passphrase';
  if (rules) process.stderr.write(`${render('prompt.passphraseRules', { minLength: rules.minLength }, lang)}\n`);
  return askHidden(lang, {
    message: render(message, { login }, lang),
    again: options.confirm ? render('prompt.passphraseAgain', {}, lang) : undefined,
    validate: (value) => {
      if (value.length === 0) return render('prompt.empty', {}, lang);
      if (!rules) return true;
      const candidate = secretModule!.Secret.fromString(value);
      const verdict = checkPassphrase(candidate, login, rules.minLength, rules.common);
      candidate.wipe();
      return verdict.ok ? true : render(PASSPHRASE_REASONS[verdict.reason], { minLength: rules.minLength }, lang);
    },
  });
}

/** Words for why a passphrase is refused, shared with the services' PASSPHRASE_WEAK. */
export const PASSPHRASE_REASONS = {
  'too-short': 'detail.passphraseTooShort',
  common: 'detail.passphraseCommon',
  'equals-login': 'detail.passphraseEqualsLogin',
} as const satisfies Record<string, MessageKey>;

let secretModule: typeof import('../src/crypto/secret.js') | undefined;

/**
 * Ask for a hidden value; with `again`, ask twice and start over (after saying so) until both
 * agree. A refused value is asked again in place.
 */
export async function askHidden(lang: Lang, prompt: { message: string; again?: string; validate?: (value: string) => true | string }): Promise<Secret> {
  const [{ password }, secret] = await Promise.all([import('@inquirer/prompts'), import('../src/crypto/secret.js')]);
  secretModule = secret;
  const context = { output: process.stderr };
  const validate = prompt.validate ?? ((value: string) => (value.length === 0 ? render('prompt.empty', {}, lang) : true));
  for (;;) {
    const first = await password({ message: prompt.message, mask: true, validate }, context);
    if (prompt.again === undefined) return secret.Secret.fromString(first);
    const second = await password({ message: prompt.again, mask: true }, context);
    if (second === first) return secret.Secret.fromString(first);
    process.stderr.write(`${render('prompt.mismatch', {}, lang)}\n`);
  }
}
