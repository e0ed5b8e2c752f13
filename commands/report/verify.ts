import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ReportVerify extends GmvCommand<typeof ReportVerify> {
  static override summary = 'Check that a report came from this vault unchanged: its signature (FILE.sig) by a person key the organisation certified, and its SHA-256 in the audit log.';
  static override examples = ['gmv report verify report.html'];
  static override args = { file: Args.string({ description: 'The report; its signature is FILE.sig', required: true }) };

  async run(): Promise<void> {
    const [{ verifyReport }, { readBounded, readBoundedText, INPUT_LIMITS }, { formatChinaTime }] = await Promise.all([
      import('../../src/services/report-verify.js'), import('../../src/local/input-limits.js'), import('../../src/domain/dates.js'),
    ]);
    const file = this.args.file;
    const bytes = readBounded(file, INPUT_LIMITS.reportFile, 'what.reportFile');
    const signature = readBoundedText(`${file}.sig`, INPUT_LIMITS.auditorFile, 'what.signatureFile');
    const r = await verifyReport(await this.vault(), file, bytes, signature);
    this.emit(r, () => this.t('report.verified', { path: file, signer: r.signer, fingerprint: r.fingerprint, seq: r.seq, at: formatChinaTime(new Date(r.at)), asOf: r.asOf }));
  }
}
