import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class RecoveryUse extends GmvCommand<typeof RecoveryUse> {
  static override summary = 'Reveal the next unused recovery code of an account and mark it used. Audited.';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };

  async run(): Promise<void> {
    const { useRecoveryCode } = await import('../../src/services/secrets.js');
    const actor = await this.sessionActor();
    const r = await useRecoveryCode(await this.vault(), actor, this.args.slug);
    if (r.low) this.note(this.t('recovery.lowWarning', { account: r.slug, left: r.left }));
    this.emit(r, () => r.code);
  }
}
