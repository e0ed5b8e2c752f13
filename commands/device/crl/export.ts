import { Flags } from '@oclif/core';
import { GmvCommand } from '../../../cli/base-command.js';
import { writeOutput } from '../../../cli/output-file.js';
import { formatChinaTime } from '../../../src/domain/dates.js';

export default class DeviceCrlExport extends GmvCommand<typeof DeviceCrlExport> {
  static override summary = 'Write the device certificate revocation list (PEM), e.g. for openssl verify -CRLfile -crl_check.';
  static override description = 'When the latest CRL has passed its next-update time and a security officer is logged in, a fresh one is issued first.';
  static override flags = { out: Flags.string({ description: 'File to write (never overwritten)', required: true }) };

  async run(): Promise<void> {
    const { currentCrl } = await import('../../../src/services/devices.js');
    const vault = await this.vault();
    // Without a session the stored list is written as it is; a session that fails otherwise is an error.
    const officer = await this.optionalSessionActor();
    const crl = await currentCrl(vault, officer);
    writeOutput(this.flags.out, crl.pem);
    if (crl.stale) this.note(this.t('device.crlStale', { until: formatChinaTime(new Date(crl.nextUpdate)) }));
    this.emit({ out: this.flags.out, crlNumber: crl.crlNumber, nextUpdate: crl.nextUpdate, stale: crl.stale }, () => this.t('file.written', { path: this.flags.out }));
  }
}
