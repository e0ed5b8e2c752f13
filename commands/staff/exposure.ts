import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class StaffExposure extends GmvCommand<typeof StaffExposure> {
  static override summary = 'What a person could ever decrypt: every credential version, rotation, seed and key, how, and until when.';
  static override examples = ['gmv staff exposure zhang.wei', 'gmv staff exposure zhang.wei --json'];
  static override args = { login: Args.string({ description: 'Login handle', required: true }) };

  async run(): Promise<void> {
    const [{ staffExposure }, { formatChinaTime }] = await Promise.all([import('../../src/services/staff-exposure.js'), import('../../src/domain/dates.js')]);
    const view = await staffExposure(await this.vault(), await this.sessionActor(), this.args.login);
    this.emit(view, () => view.items.length === 0 ? this.t('exposure.none', { login: view.login }) : [
      ...renderTable(['col.item', 'col.account', 'col.version', 'col.via', 'col.from', 'col.until'], view.items.map((i) => [
        i.kind, i.slug ?? i.ref, String(i.version), this.t(i.via === 'org-key' ? 'word.viaOrgKey' : 'word.viaOwnWrap'),
        formatChinaTime(new Date(i.from)), i.until ? formatChinaTime(new Date(i.until)) : this.t('word.stillApplies'),
      ]), this.lang),
      this.t('exposure.accounts', { login: view.login, count: view.accounts.length, accounts: view.accounts.join(', ') || '-' }),
    ]);
  }
}
