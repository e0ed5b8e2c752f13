import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { civilDateOf } from '../../src/domain/dates.js';

export default class DeviceList extends GmvCommand<typeof DeviceList> {
  static override summary = 'List terminals: owner, status, certificate, who approved or revoked them.';
  static override flags = { login: Flags.string({ description: 'Only this person\'s devices' }) };

  async run(): Promise<void> {
    const { listDevices } = await import('../../src/services/devices.js');
    const devices = await listDevices(await this.vault(), { login: this.flags.login });
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    this.emit({ devices }, () => renderTable(['col.id', 'col.person', 'col.label', 'col.status', 'col.approvedBy', 'col.certUntil', 'col.blank'], devices.map((d) => {
      const status = statusWord('device', d.status, this.lang);
      return [
        d.id, d.login ?? '-', d.label, d.status === 'revoked' ? this.t('word.revokedBecause', { status, reason: d.revokeReason ?? '' }) : status, d.approvedBy ?? '-',
        d.certNotAfter ? civilDateOf(new Date(d.certNotAfter)) : '-', d.thisTerminal ? this.t('word.thisTerminal') : '',
      ];
    }), this.lang));
  }
}
