import { Args } from '@oclif/core';
import { GmvCommand } from '../cli/base-command.js';

export default class Otp extends GmvCommand<typeof Otp> {
  static override summary = 'Print the account\'s current TOTP code and how many seconds it stays valid. Audited.';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };

  async run(): Promise<void> {
    const { otpFor } = await import('../src/services/secrets.js');
    const actor = await this.sessionActor();
    const r = await otpFor(await this.vault(), actor, this.args.slug);
    // To a pipe only the code, so `code=$(gmv otp weibo-press)` works.
    this.emit(r, () => (process.stdout.isTTY ? `${r.code}  (${this.t('otp.left', { seconds: r.secondsLeft })})` : r.code));
  }
}
