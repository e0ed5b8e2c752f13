import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class TrainingRecord extends GmvCommand<typeof TrainingRecord> {
  static override summary = 'Record that a person completed a course of the policy pack (security officers, in a session): signed by your key and audited.';
  static override description = 'The completion date is a China date, not after today; the course counts for its validity in months from the pack (gmv policy show). Several courses completed the same day may follow the first. The evidence file (a certificate, a sign-in sheet) is not stored: its SHA-256, size and name are.';
  static override examples = ['gmv training record zhang.wei security-basics --completed 2026-11-20 --evidence certificate.pdf', 'gmv training record zhang.wei security-basics content-review --completed 2026-11-20'];
  static override strict = false;
  static override args = {
    login: Args.string({ description: 'Login handle', required: true }),
    course: Args.string({ description: 'Course id from the policy pack (more may follow)', required: true }),
  };
  static override flags = {
    completed: Flags.string({ description: 'Day the course was completed (YYYY-MM-DD, China time)', required: true }),
    evidence: Flags.string({ description: 'An evidence file (repeat for several)', multiple: true }),
  };

  async run(): Promise<void> {
    const [{ recordTraining }, { hashEvidence }] = await Promise.all([import('../../src/services/training.js'), import('../../src/local/evidence.js')]);
    const completed = this.civilDateFlag('completed', this.flags.completed)!;
    const evidence = (this.flags.evidence ?? []).map(hashEvidence);
    const courses = this.positional.slice(1);
    const actor = await this.sessionActor();
    const records = await recordTraining(await this.vault(), actor, this.args.login, courses.length ? courses : [this.args.course], completed, evidence);
    this.emit({ records }, () => records.map((r) => r.lapsed
      ? this.t('training.recordedLapsed', { login: r.login, course: r.course!, on: r.on, lapsed: r.until! })
      : this.t('training.recorded', { login: r.login, course: r.course!, on: r.on, until: r.until! })));
  }
}
