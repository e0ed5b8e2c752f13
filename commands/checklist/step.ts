import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ChecklistStep extends GmvCommand<typeof ChecklistStep> {
  static override summary = 'Record a step of a run: done, failed or not applicable, with a note and evidence files (their SHA-256, size and name are recorded, not their content).';
  static override examples = ['gmv checklist step R-0001 backup --status done --evidence backup-2026-12.log', 'gmv checklist step R-0001 compare --status failed --note "row counts differ in grants"'];
  static override args = {
    run: Args.string({ description: 'Run id (R-0001)', required: true }),
    step: Args.string({ description: 'Step id of the template', required: true }),
  };
  static override flags = {
    status: Flags.option({ options: ['done', 'failed', 'na'] as const, description: 'The step\'s outcome', required: true })(),
    note: Flags.string({ description: 'What was found or why (required for failed and na)' }),
    evidence: Flags.string({ description: 'An evidence file (repeat for several)', multiple: true }),
  };

  async run(): Promise<void> {
    const [{ recordStep }, { hashEvidence }] = await Promise.all([import('../../src/services/checklists.js'), import('../../src/local/evidence.js')]);
    const evidence = (this.flags.evidence ?? []).map(hashEvidence);
    const actor = await this.sessionActor();
    const run = await recordStep(await this.vault(), actor, this.args.run, { step: this.args.step, status: this.flags.status, note: this.flags.note, evidence });
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    this.emit({ run }, () => this.t('checklist.stepped', { id: run.id, step: this.args.step, status: statusWord('step', this.flags.status, this.lang) }));
  }
}
