import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { writeOutput } from '../../cli/output-file.js';

export default class DeviceCert extends GmvCommand<typeof DeviceCert> {
  static override summary = 'Write a device\'s X.509 certificate (PEM).';
  static override args = { id: Args.string({ description: 'Device id', required: true }) };
  static override flags = { out: Flags.string({ description: 'File to write (never overwritten)', required: true }) };

  async run(): Promise<void> {
    const { deviceCertPem } = await import('../../src/services/devices.js');
    const pem = await deviceCertPem(await this.vault(), this.args.id);
    writeOutput(this.flags.out, pem);
    this.emit({ out: this.flags.out }, () => this.t('file.written', { path: this.flags.out }));
  }
}
