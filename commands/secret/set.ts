import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class SecretSet extends GmvCommand<typeof SecretSet> {
  static override summary = 'Store a credential field as a new version, encrypted for the account\'s current grantees.';
  static override description = 'Values come from a file or standard input, never the command line; at a terminal, without --from-file (or with -), a hidden prompt asks twice. totp accepts a base32 seed or an otpauth:// URI; recovery takes one code per line (at the prompt: on one line, separated by spaces).';
  static override examples = ['printf "%s" "$NEW_PASSWORD" | gmv secret set weibo-press --field password --from-file -', 'gmv secret set weibo-press --field totp --from-file otpauth.txt'];
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    field: Flags.option({ options: ['password', 'totp', 'recovery', 'login', 'phone', 'email', 'notes'] as const, description: 'Which field', required: true })(),
    'from-file': Flags.string({ description: 'Read the value from FILE, or - for standard input (at a terminal: a hidden prompt)' }),
  };

  async run(): Promise<void> {
    const [{ setSecret }, { readSecretFile }, { INPUT_LIMITS }] = await Promise.all([import('../../src/services/secrets.js'), import('../../src/local/read-secret.js'), import('../../src/local/input-limits.js')]);
    const actor = await this.sessionActor();
    const value = await this.readValue(() => readSecretFile(this.flags['from-file']!, INPUT_LIMITS.secretValue, 'what.credentialField'));
    const result = await setSecret(await this.vault(), actor, this.args.slug, this.flags.field, value);
    value.wipe();
    this.emit(result, () => this.t('secret.set', { account: result.slug, field: result.field, version: result.version }));
  }

  /** The file's value; at a terminal without a file (or with -), a hidden prompt asked twice. */
  private async readValue(fromFile: () => import('../../src/crypto/secret.js').Secret): Promise<import('../../src/crypto/secret.js').Secret> {
    const [{ interactive, askHidden }, { GmvError }] = await Promise.all([import('../../cli/passphrase.js'), import('../../src/errors.js')]);
    const file = this.flags['from-file'];
    if (file !== undefined && !(file === '-' && interactive())) return fromFile();
    if (!interactive()) throw new GmvError('TTY_REQUIRED', { what: this.t('prompt.whatSecret', { field: this.t(`field.${this.flags.field}`) }), flag: '--from-file FILE|-' });
    const field = this.t(`field.${this.flags.field}`);
    if (this.flags.field === 'recovery') process.stderr.write(`${this.t('prompt.recoveryHint')}\n`);
    const typed = await askHidden(this.lang, { message: this.t('prompt.secretValue', { field, slug: this.args.slug }), again: this.t('prompt.secretAgain') });
    if (this.flags.field !== 'recovery') return typed;
    // One code per line, as a file holds them.
    const { Secret } = await import('../../src/crypto/secret.js');
    const lines = Secret.fromString(typed.revealString().trim().split(/[\s,，]+/).join('\n'));
    typed.wipe();
    return lines;
  }
}
