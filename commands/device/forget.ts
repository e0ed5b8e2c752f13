import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class DeviceForget extends GmvCommand<typeof DeviceForget> {
  static override summary = 'On this terminal: remove its device key for this vault after the device was revoked or rejected, so it can enroll again.';
  static override description = 'An authorized terminal is refused (a security officer revokes it first). A pending enrollment is withdrawn, in the audit log.';

  static override flags = {
    login: Flags.string({ description: 'Your login handle' }),
  };

  async run(): Promise<void> {
    const { forgetDevice } = await import('../../src/services/devices.js');
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    const result = await forgetDevice(await this.vault(), this.flags.login);
    this.emit(result, () => this.t('device.forgotten', { device: result.deviceId, status: statusWord('device', result.status, this.lang) }));
  }
}
