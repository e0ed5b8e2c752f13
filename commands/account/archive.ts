import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class AccountArchive extends GmvCommand<typeof AccountArchive> {
  static override summary = 'Archive an account (closed or handed over); its history and audit trail stay.';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };

  async run(): Promise<void> {
    const { archiveAccount } = await import('../../src/services/accounts.js');
    const actor = await this.sessionActor();
    const archived = await archiveAccount(await this.vault(), actor, this.args.slug);
    for (const run of archived.runs) this.note(this.t('filing.runOpened', { run: run.id, template: run.template, due: run.deadline ?? '?' }));
    this.emit(archived, () => this.t('account.archived', { slug: archived.account.slug }));
  }
}
