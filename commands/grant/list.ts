import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class GrantList extends GmvCommand<typeof GrantList> {
  static override summary = 'List grants in force, by person or by account.';
  static override flags = {
    login: Flags.string({ description: 'Only this person' }),
    account: Flags.string({ description: 'Only this account' }),
  };

  async run(): Promise<void> {
    const { printGrantList } = await import('../../src/fast/listings.js');
    const vault = await this.vault();
    await printGrantList(vault.store.reader, { login: this.flags.login, account: this.flags.account }, vault.now(), this.jsonMode, this.lang);
  }
}
