import { Flags } from '@oclif/core';
import { GmvCommand } from '../../../cli/base-command.js';
import { writeOutput } from '../../../cli/output-file.js';

export default class DeviceCaExport extends GmvCommand<typeof DeviceCaExport> {
  static override summary = 'Write the vault\'s device CA certificate (PEM), e.g. for openssl verify -CAfile.';
  static override flags = { out: Flags.string({ description: 'File to write (never overwritten)', required: true }) };

  async run(): Promise<void> {
    const { deviceCaPem } = await import('../../../src/services/devices.js');
    writeOutput(this.flags.out, await deviceCaPem(await this.vault()));
    this.emit({ out: this.flags.out }, () => this.t('file.written', { path: this.flags.out }));
  }
}
