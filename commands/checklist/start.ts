import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ChecklistStart extends GmvCommand<typeof ChecklistStart> {
  static override summary = 'Start a checklist run from a template of the policy pack (a drill, an inspection, a case…); prints its id and deadline.';
  static override examples = ['gmv checklist start backup-restore-drill', 'gmv checklist start security-inspection --json'];
  static override args = { template: Args.string({ description: 'Template id (see gmv policy show)', required: true }) };
  static override flags = { account: Flags.string({ description: 'The account the run is about' }) };

  async run(): Promise<void> {
    const { startRun } = await import('../../src/services/checklists.js');
    const actor = await this.sessionActor();
    const run = await startRun(await this.vault(), actor, this.args.template, this.flags.account);
    if (run.deadline === null) this.note(this.t('checklist.unknownDeadline'));
    this.emit({ run }, () => this.t('checklist.started', { id: run.id, title: run.title[this.lang === 'zh-CN' ? 'zh' : 'en'], deadline: run.deadline ?? '?' }));
  }
}
