import { Flags } from '@oclif/core';
import { GmvCommand } from '../../../cli/base-command.js';
import { writeOutput } from '../../../cli/output-file.js';
import { formatChinaTime } from '../../../src/domain/dates.js';

export default class DeviceCrlExport extends GmvCommand<typeof DeviceCrlExport> {
  static override summary = 'Write the device certificate revocation list (PEM), e.g. for openssl verify -CRLfile -crl_check.';
  static override description = 'When the latest CRL has passed its next-update time and a security officer is logged in, a fresh one is issued first.';
  static override flags = { out: Flags.string({ description: 'File to write (never overwritten)', required: true }) };

  async run(): Promise<void> {
    const [{ currentCrl }, { findSession }, { sessionActor }] = await Promise.all([
      import('../../../src/services/devices.js'), import('../../../src/agent/client.js'), import('../../../src/services/session.js'),
    ]);
    const vault = await this.vault();
    const agent = await findSession(await this.agentSocket());
    const officer = agent ? await sessionActor(vault, agent).catch(() => null) : null;
    const crl = await currentCrl(vault, officer);
    writeOutput(this.flags.out, crl.pem);
    if (crl.stale) this.note(this.t('device.crlStale', { until: formatChinaTime(new Date(crl.nextUpdate)) }));
    this.emit({ out: this.flags.out, crlNumber: crl.crlNumber, nextUpdate: crl.nextUpdate, stale: crl.stale }, () => this.t('file.written', { path: this.flags.out }));
  }
}
