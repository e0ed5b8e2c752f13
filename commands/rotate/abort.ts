import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class RotateAbort extends GmvCommand<typeof RotateAbort> {
  static override summary = 'Abandon a rotation in progress (the platform password was not changed).';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };

  async run(): Promise<void> {
    const { abortRotation } = await import('../../src/services/rotation.js');
    const actor = await this.sessionActor();
    const r = await abortRotation(await this.vault(), actor, this.args.slug);
    this.emit(r, () => this.t('rotate.aborted', { account: r.slug }));
  }
}
