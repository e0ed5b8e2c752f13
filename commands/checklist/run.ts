import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ChecklistRun extends GmvCommand<typeof ChecklistRun> {
  static override summary = 'Walk the open steps of a run at a terminal, with prompts: status, note, evidence files. Each answer is recorded as gmv checklist step would.';
  static override args = { run: Args.string({ description: 'Run id', required: true }) };

  async run(): Promise<void> {
    const [{ showRun, recordStep }, { hashEvidence }, { interactive }, { GmvError }, { statusWord, statusKey }] = await Promise.all([
      import('../../src/services/checklists.js'), import('../../src/local/evidence.js'), import('../../cli/passphrase.js'), import('../../src/errors.js'), import('../../src/i18n/catalogue.js'),
    ]);
    if (!interactive()) throw new GmvError('TTY_REQUIRED', { what: this.t('prompt.whatSteps'), flag: `gmv checklist step ${this.args.run} STEP --status …` });
    const { select, input } = await import('@inquirer/prompts');
    const vault = await this.vault();
    const actor = await this.sessionActor();
    const lang = this.lang === 'zh-CN' ? 'zh' : 'en';
    const context = { output: process.stderr };
    let run = await showRun(vault, this.args.run);
    for (const step of run.steps.filter((s) => s.status === null)) {
      const status = await select({
        message: `${step.id} — ${step.title[lang]}${step.evidenceRequired ? ` ${this.t('prompt.evidenceRequired')}` : ''}`,
        choices: [...(['done', 'failed', 'na'] as const).map((v) => ({ value: v, name: statusWord('step', v, this.lang) })), { value: 'skip' as const, name: this.t('prompt.skipStep') }],
      }, context);
      if (status === 'skip') continue;
      const note = await input({ message: this.t('prompt.stepNote'), validate: (v) => (status !== 'done' && v.trim() === '' ? this.t('error.CHECKLIST_NOTE_REQUIRED', { run: run.id, step: step.id, status: statusKey('step', status) }) : true) }, context);
      const files = await input({ message: this.t('prompt.stepEvidence'), validate: (v) => (status === 'done' && step.evidenceRequired && v.trim() === '' ? this.t('error.CHECKLIST_EVIDENCE_REQUIRED', { run: run.id, step: step.id }) : true) }, context);
      const evidence = files.split(',').map((f) => f.trim()).filter(Boolean).map(hashEvidence);
      run = await recordStep(vault, actor, run.id, { step: step.id, status, note: note.trim() || undefined, evidence });
      process.stderr.write(`${this.t('checklist.stepped', { id: run.id, step: step.id, status: statusWord('step', status, this.lang) })}\n`);
    }
    this.emit({ run }, () => run.steps.every((s) => s.status) ? this.t('checklist.readyToSign', { id: run.id }) : this.t('checklist.stepsLeft', { id: run.id, count: run.steps.filter((s) => !s.status).length }));
  }
}
