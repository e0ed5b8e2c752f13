import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class AccountSet extends GmvCommand<typeof AccountSet> {
  static override summary = 'Change an account\'s register data (name, unit, login id, filing).';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    name: Flags.string({ description: 'Display name' }),
    unit: Flags.string({ description: 'Owning unit' }),
    'login-id': Flags.string({ description: 'Handle or login id on the platform' }),
    'filing-number': Flags.string({ description: 'Filing record number' }),
    'filing-office': Flags.string({ description: 'Government office the account is filed with' }),
    'filed-on': Flags.string({ description: 'Filing date (YYYY-MM-DD)' }),
  };

  async run(): Promise<void> {
    const { setAccount } = await import('../../src/services/accounts.js');
    const filedOn = this.civilDateFlag('filed-on', this.flags['filed-on']);
    const actor = await this.sessionActor();
    const changed = await setAccount(await this.vault(), actor, this.args.slug, {
      name: this.flags.name, unit: this.flags.unit, loginId: this.flags['login-id'], filingNumber: this.flags['filing-number'], filingOffice: this.flags['filing-office'], filedOn,
    });
    for (const run of changed.runs) this.note(this.t('filing.runOpened', { run: run.id, template: run.template, due: run.deadline ?? '?' }));
    this.emit(changed, () => this.t('account.updated', { slug: changed.account.slug }));
  }
}
