import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class RecoveryList extends GmvCommand<typeof RecoveryList> {
  static override summary = 'Accounts with stored recovery codes and how many are left (warns when low). No codes are printed.';

  async run(): Promise<void> {
    const [{ listAccounts }, { activePolicy }] = await Promise.all([import('../../src/services/accounts.js'), import('../../src/services/vault.js')]);
    const vault = await this.vault();
    const policy = await activePolicy(vault.store.db);
    const accounts = (await listAccounts(vault)).filter((a) => a.recoveryCodesLeft !== null)
      .map((a) => ({ slug: a.slug, left: a.recoveryCodesLeft!, low: a.recoveryCodesLeft! < policy.credentials.recoveryCodesLow }));
    this.emit({ accounts }, () => renderTable(['col.account', 'col.codesLeft', 'col.blank'], accounts.map((a) => [a.slug, String(a.left), a.low ? this.t('recovery.low') : '']), this.lang));
  }
}
