/** Passphrases from --passphrase-file FILE|- or a hidden prompt; never from argv, never a hanging prompt. */
import { GmvError } from '../src/errors.js';
import type { Secret } from '../src/crypto/secret.js';
import { readSecretFile } from '../src/local/read-secret.js';
import { render, type Lang } from '../src/i18n/catalogue.js';

export async function readPassphrase(file: string | undefined, login: string, lang: Lang, options: { confirm?: boolean; flag?: string; what?: 'passphrase' | 'totp' } = {}): Promise<Secret> {
  if (file !== undefined) return readSecretFile(file);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    const what = options.what === 'totp' ? (lang === 'zh-CN' ? '动态验证码' : 'the one-time code') : (lang === 'zh-CN' ? '口令' : 'the passphrase');
    throw new GmvError('TTY_REQUIRED', { what, flag: options.flag ?? '--passphrase-file FILE|-' });
  }
  const [{ password }, { Secret: SecretValue }] = await Promise.all([import('@inquirer/prompts'), import('../src/crypto/secret.js')]);
  const first = await password({ message: render(options.what === 'totp' ? 'prompt.totp' : 'prompt.passphrase', { login }, lang), mask: true });
  if (options.confirm) {
    const again = await password({ message: render('prompt.passphraseAgain', {}, lang), mask: true });
    if (again !== first) throw new GmvError('INVALID_INPUT', { what: 'passphrase', detail: render('prompt.mismatch', {}, lang) });
  }
  if (first.length === 0) throw new GmvError('PASSPHRASE_EMPTY', { source: 'prompt' });
  return SecretValue.fromString(first);
}
