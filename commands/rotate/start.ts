import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class RotateStart extends GmvCommand<typeof RotateStart> {
  static override summary = 'Generate a new password meeting the platform\'s rules and show it once; change it on the platform, then gmv rotate confirm.';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    reason: Flags.option({ options: ['scheduled', 'departure', 'compromise', 'manual', 'access-removed'] as const, description: 'Why', default: 'manual' })(),
  };

  async run(): Promise<void> {
    const { startRotation } = await import('../../src/services/rotation.js');
    const actor = await this.sessionActor();
    const r = await startRotation(await this.vault(), actor, this.args.slug, this.flags.reason);
    this.emit(r, () => [r.password, this.t('rotate.started', { account: r.slug })]);
  }
}
