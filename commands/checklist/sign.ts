import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ChecklistSign extends GmvCommand<typeof ChecklistSign> {
  static override summary = 'Sign a finished run as its performer, with your person key (OpenPGP). The record is fixed from then on.';
  static override args = { run: Args.string({ description: 'Run id', required: true }) };

  async run(): Promise<void> {
    const { signRun } = await import('../../src/services/checklists.js');
    const actor = await this.sessionActor();
    const signed = await signRun(await this.vault(), actor, this.args.run);
    const { run } = signed;
    for (const next of signed.started) this.note(this.t('checklist.followUp', { run: run.id, id: next.id, template: next.template, due: next.deadline ?? '?' }));
    this.emit(signed, () => this.t(run.status === 'signed' ? 'checklist.signedNeedsCountersign' : 'checklist.signed', { id: run.id, login: actor.login }));
  }
}
