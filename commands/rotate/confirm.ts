import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class RotateConfirm extends GmvCommand<typeof RotateConfirm> {
  static override summary = 'Confirm that the generated password is now set on the platform: it becomes the new version.';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    'totp-file': Flags.string({ description: 'A new TOTP seed or otpauth URI from FILE or - (if the platform issued one)' }),
    'recovery-file': Flags.string({ description: 'New recovery codes from FILE or - (one per line)' }),
  };

  async run(): Promise<void> {
    const [{ confirmRotation }, { readSecretFile }, { INPUT_LIMITS }, { GmvError }] = await Promise.all([
      import('../../src/services/rotation.js'), import('../../src/local/read-secret.js'), import('../../src/local/input-limits.js'), import('../../src/errors.js'),
    ]);
    if (this.flags['totp-file'] === '-' && this.flags['recovery-file'] === '-') throw new GmvError('USAGE', { detail: 'detail.oneRotateStdin' });
    const actor = await this.sessionActor();
    const totp = this.flags['totp-file'] ? readSecretFile(this.flags['totp-file'], INPUT_LIMITS.secretValue, 'what.totpSeedInput') : undefined;
    const recovery = this.flags['recovery-file'] ? readSecretFile(this.flags['recovery-file'], INPUT_LIMITS.secretValue, 'what.recoveryCodes') : undefined;
    const r = await confirmRotation(await this.vault(), actor, this.args.slug, { totp, recovery });
    this.emit(r, () => this.t('rotate.confirmed', { account: r.slug, version: r.version }));
  }
}
