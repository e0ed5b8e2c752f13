import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { civilDateOf } from '../../src/domain/dates.js';

export default class DeviceApprove extends GmvCommand<typeof DeviceApprove> {
  static override summary = 'Approve a terminal by the enrollment code its owner reads out (security officers, in a session).';
  static override description = 'Issues the device certificate from the vault\'s device CA and certifies the terminal\'s signing key with the organisation key.';
  static override args = { code: Args.string({ description: 'Enrollment code (XXXXX-XXXXX)', required: true }) };

  async run(): Promise<void> {
    const { approveDevice } = await import('../../src/services/devices.js');
    const officer = await this.sessionActor();
    const result = await approveDevice(await this.vault(), officer, this.args.code);
    this.emit(result, () => this.t('device.approved', { device: result.deviceId, login: result.login, serial: result.certSerial, until: civilDateOf(new Date(result.certNotAfter)) }));
  }
}
