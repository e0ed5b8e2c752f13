import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class AccountList extends GmvCommand<typeof AccountList> {
  static override summary = 'List registered accounts (no secrets): platform, unit, stored fields, grantees.';
  static override flags = {
    unit: Flags.string({ description: 'Only this unit' }),
    platform: Flags.string({ description: 'Only this platform' }),
    archived: Flags.boolean({ description: 'List archived accounts instead', default: false }),
    grantee: Flags.string({ description: 'Only accounts this person holds a grant on' }),
  };

  async run(): Promise<void> {
    const { listAccounts } = await import('../../src/services/accounts.js');
    const accounts = await listAccounts(await this.vault(), { unit: this.flags.unit, platform: this.flags.platform, status: this.flags.archived ? 'archived' : 'active', grantee: this.flags.grantee });
    this.emit({ accounts }, () => renderTable(['col.slug', 'col.platform', 'col.name', 'col.unit', 'col.fields', 'col.version', 'col.grantees'], accounts.map((a) => [
      a.slug, a.platform, a.name, a.unit, a.fields.join(',') || '-', a.version === null ? '-' : this.t(a.rotationPending ? 'word.rotating' : 'word.version', { version: a.version }), a.grantees.map((g) => g.login).join(',') || '-',
    ]), this.lang));
  }
}
