import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class BindingRemove extends GmvCommand<typeof BindingRemove> {
  static override summary = 'Record that a platform-side binding was undone on the platform.';
  static override args = { id: Args.integer({ description: 'Binding number (see gmv binding list)', required: true }) };

  async run(): Promise<void> {
    const { removeBinding } = await import('../../src/services/bindings.js');
    const actor = await this.sessionActor();
    const b = await removeBinding(await this.vault(), actor, this.args.id);
    this.emit({ binding: b }, () => this.t('binding.removed', { id: b.id, who: b.login ?? b.external ?? '?', account: b.slug }));
  }
}
