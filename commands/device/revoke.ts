import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class DeviceRevoke extends GmvCommand<typeof DeviceRevoke> {
  static override summary = 'Revoke a terminal: it can no longer unlock anything, and a new CRL lists its certificate (security officers).';
  static override args = { id: Args.string({ description: 'Device id (see gmv device list)', required: true }) };
  static override flags = { reason: Flags.string({ description: 'Why (recorded in the audit log)', required: true }) };

  async run(): Promise<void> {
    const { revokeDevice } = await import('../../src/services/devices.js');
    const officer = await this.sessionActor();
    const result = await revokeDevice(await this.vault(), officer, this.args.id, this.flags.reason);
    this.emit(result, () => this.t('device.revoked', { device: result.deviceId, crl: result.crlNumber }));
  }
}
