import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class UnitAdd extends GmvCommand<typeof UnitAdd> {
  static override summary = 'Add a unit (department) of the organisation (security officers only).';
  static override args = { name: Args.string({ description: 'Unit name', required: true }) };

  async run(): Promise<void> {
    const { addUnit } = await import('../../src/services/staff.js');
    const actor = await this.sessionActor();
    await addUnit(await this.vault(), actor, this.args.name);
    this.emit({ name: this.args.name }, () => this.t('unit.added', { unit: this.args.name }));
  }
}
