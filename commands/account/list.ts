import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class AccountList extends GmvCommand<typeof AccountList> {
  static override summary = 'List registered accounts (no secrets): platform, unit, stored fields, grantees.';
  static override flags = {
    unit: Flags.string({ description: 'Only this unit' }),
    platform: Flags.string({ description: 'Only this platform' }),
    archived: Flags.boolean({ description: 'List archived accounts instead', default: false }),
    grantee: Flags.string({ description: 'Only accounts this person holds a grant on' }),
  };

  async run(): Promise<void> {
    // The same printer as the oclif-free path (bin/run.js): one query, streamed.
    const { printAccountList } = await import('../../src/fast/listings.js');
    const vault = await this.vault();
    await printAccountList(vault.store.reader, { unit: this.flags.unit, platform: this.flags.platform, status: this.flags.archived ? 'archived' : 'active', grantee: this.flags.grantee }, vault.now(), this.jsonMode, this.lang);
  }
}
