import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ChecklistCountersign extends GmvCommand<typeof ChecklistCountersign> {
  static override summary = 'Countersign a signed run: a second person holding one of the template\'s countersigning roles attests it (the performer is refused).';
  static override args = { run: Args.string({ description: 'Run id', required: true }) };

  async run(): Promise<void> {
    const { countersignRun } = await import('../../src/services/checklists.js');
    const actor = await this.sessionActor();
    const signed = await countersignRun(await this.vault(), actor, this.args.run);
    const { run } = signed;
    for (const next of signed.started) this.note(this.t('checklist.followUp', { run: run.id, id: next.id, template: next.template, due: next.deadline ?? '?' }));
    this.emit(signed, () => this.t('checklist.countersigned', { id: run.id, login: actor.login }));
  }
}
