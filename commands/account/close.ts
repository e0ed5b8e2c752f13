import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class AccountClose extends GmvCommand<typeof AccountClose> {
  static override summary = 'Close an idle account after its public announcement (measures art. 14): --announce records the announcement and the earliest closing day; without it, closes the account once that day has come.';
  static override description = 'The earliest closing day is the announcement plus the policy\'s working days (15 in the Shenyang pack), counted on the working-day calendar. Closing archives the account; its history and audit trail stay.';
  static override examples = ['gmv account close weibo-old --announce 2026-12-03', 'gmv account close weibo-old   # on or after the earliest closing day'];
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = { announce: Flags.string({ description: 'Day the closure was announced publicly (YYYY-MM-DD, China)' }) };

  async run(): Promise<void> {
    const { closeAccount } = await import('../../src/services/filing.js');
    const announce = this.civilDateFlag('announce', this.flags.announce);
    const actor = await this.sessionActor();
    const r = await closeAccount(await this.vault(), actor, this.args.slug, announce);
    for (const run of r.runs) this.note(this.t('filing.runOpened', { run: run.id, template: run.template, due: run.deadline ?? '?' }));
    this.emit(r, () => r.closed
      ? this.t('account.closed', { slug: r.slug, announced: r.announcedOn })
      : this.t('account.closeAnnounced', { slug: r.slug, announced: r.announcedOn, notBefore: r.notBefore, days: r.workingDays }));
  }
}
