import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { formatChinaTime } from '../../src/domain/dates.js';

export default class GrantList extends GmvCommand<typeof GrantList> {
  static override summary = 'List grants in force, by person or by account.';
  static override flags = {
    login: Flags.string({ description: 'Only this person' }),
    account: Flags.string({ description: 'Only this account' }),
  };

  async run(): Promise<void> {
    const { listGrants } = await import('../../src/services/grants.js');
    const grants = await listGrants(await this.vault(), { login: this.flags.login, account: this.flags.account });
    this.emit({ grants }, () => renderTable(['col.person', 'col.account', 'col.can', 'col.until', 'col.grantedBy', 'col.wrapped'], grants.map((g) => [
      g.login, g.account, g.can.join(','), g.until ? formatChinaTime(new Date(g.until)) : '-', g.grantedBy, g.wrappedVersion === null ? '-' : this.t('word.version', { version: g.wrappedVersion }),
    ]), this.lang));
  }
}
