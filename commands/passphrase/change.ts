import { Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { GmvCommand } from '../../cli/base-command.js';
import { readPassphrase } from '../../cli/passphrase.js';

export default class PassphraseChange extends GmvCommand<typeof PassphraseChange> {
  static override summary = 'Change your passphrase on this terminal (the current one is asked again).';
  static override flags = {
    login: Flags.string({ description: 'Your login handle (default: the session\'s person)' }),
    'passphrase-file': Flags.string({ description: 'Current passphrase from FILE, or - for standard input' }),
    'new-passphrase-file': Flags.string({ description: 'New passphrase from FILE, or - for standard input' }),
    'totp-file': Flags.string({ description: 'With TOTP enrolled: the current code from FILE or -' }),
  };

  async run(): Promise<void> {
    const [{ changePassphrase }, { shippedFile }, { parseCommonList }, { GmvError }] = await Promise.all([
      import('../../src/services/passphrase-change.js'), import('../../src/package-root.js'), import('../../src/policy/passphrase-rules.js'), import('../../src/errors.js'),
    ]);
    if (this.flags['passphrase-file'] === '-' && this.flags['new-passphrase-file'] === '-' && !process.stdin.isTTY) throw new GmvError('USAGE', { detail: 'detail.onePassphraseStdin' });
    const login = this.flags.login ?? (await this.sessionActor()).login;
    const current = await readPassphrase(this.flags['passphrase-file'], login, this.lang, { purpose: 'current' });
    const next = await readPassphrase(this.flags['new-passphrase-file'], login, this.lang, { confirm: true, purpose: 'new', rules: this.passphraseRules(), flag: '--new-passphrase-file FILE|-' });
    const totp = () => readPassphrase(this.flags['totp-file'], login, this.lang, { what: 'totp', flag: '--totp-file FILE|-' });
    const result = await changePassphrase(await this.vault(), { login, current, next, totp, commonPasswords: parseCommonList(readFileSync(shippedFile('policies', 'common-passwords.txt'), 'utf8')) });
    current.wipe();
    next.wipe();
    this.emit(result, () => this.t('passphrase.changed', { login: result.login }));
  }
}
