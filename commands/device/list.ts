import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class DeviceList extends GmvCommand<typeof DeviceList> {
  static override summary = 'List terminals: owner, status, certificate, who approved or revoked them.';
  static override flags = { login: Flags.string({ description: 'Only this person\'s devices' }) };

  async run(): Promise<void> {
    const { listDevices } = await import('../../src/services/devices.js');
    const devices = await listDevices(await this.vault(), { login: this.flags.login });
    this.emit({ devices }, () => renderTable(['id', 'person', 'label', 'status', 'approved by', 'cert until', ''], devices.map((d) => [
      d.id, d.login ?? '-', d.label, d.status === 'revoked' ? `revoked (${d.revokeReason ?? ''})` : d.status, d.approvedBy ?? '-',
      d.certNotAfter?.slice(0, 10) ?? '-', d.thisTerminal ? '(this terminal)' : '',
    ])));
  }
}
