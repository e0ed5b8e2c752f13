import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class SecretShow extends GmvCommand<typeof SecretShow> {
  static override summary = 'Reveal a credential you are granted (in your session, on an authorized terminal). Audited.';
  static override examples = ['gmv secret show weibo-press', 'gmv secret show weibo-press --field otp', 'gmv secret show weibo-press --field recovery --json'];
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    field: Flags.option({ options: ['password', 'otp', 'recovery', 'login'] as const, description: 'Which field (default: password, with the login if stored)' })(),
  };

  async run(): Promise<void> {
    const { showSecret } = await import('../../src/services/secrets.js');
    const actor = await this.sessionActor();
    const r = await showSecret(await this.vault(), actor, this.args.slug, this.flags.field);
    this.emit(r, () => {
      if (r.otp) return `${r.otp.code}  (${this.t('otp.left', { seconds: r.otp.secondsLeft })})`;
      if (r.recovery) return r.recovery.unused.length ? r.recovery.unused : [this.t('recovery.none', { account: r.account })];
      if (this.flags.field === 'login') return r.login!;
      return r.password!;
    });
  }
}
