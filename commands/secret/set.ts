import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class SecretSet extends GmvCommand<typeof SecretSet> {
  static override summary = 'Store a credential field as a new version, encrypted for the account\'s current grantees.';
  static override description = 'Values come from a file or standard input, never the command line. totp accepts a base32 seed or an otpauth:// URI; recovery takes one code per line.';
  static override examples = ['printf "%s" "$NEW_PASSWORD" | gmv secret set weibo-press --field password --from-file -', 'gmv secret set weibo-press --field totp --from-file otpauth.txt'];
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    field: Flags.option({ options: ['password', 'totp', 'recovery', 'login', 'phone', 'email', 'notes'] as const, description: 'Which field', required: true })(),
    'from-file': Flags.string({ description: 'Read the value from FILE, or - for standard input', required: true }),
  };

  async run(): Promise<void> {
    const [{ setSecret }, { readSecretFile }, { INPUT_LIMITS }] = await Promise.all([import('../../src/services/secrets.js'), import('../../src/local/read-secret.js'), import('../../src/local/input-limits.js')]);
    const actor = await this.sessionActor();
    const value = readSecretFile(this.flags['from-file'], INPUT_LIMITS.secretValue, 'a credential field');
    const result = await setSecret(await this.vault(), actor, this.args.slug, this.flags.field, value);
    value.wipe();
    this.emit(result, () => this.t('secret.set', { account: result.account, field: result.field, version: result.version }));
  }
}
