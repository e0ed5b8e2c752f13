import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class DeviceReject extends GmvCommand<typeof DeviceReject> {
  static override summary = 'Turn down a pending enrollment by its code (security officers, in a session).';
  static override description = 'The terminal is never approved with that code; its owner can start over with gmv device forget, then gmv device enroll.';
  static override args = { code: Args.string({ description: 'Enrollment code (XXXXX-XXXXX)', required: true }) };

  async run(): Promise<void> {
    const { rejectDevice } = await import('../../src/services/devices.js');
    const officer = await this.sessionActor();
    const result = await rejectDevice(await this.vault(), officer, this.args.code);
    this.emit(result, () => this.t('device.rejected', { device: result.deviceId, login: result.login }));
  }
}
