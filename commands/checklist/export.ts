import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ChecklistExport extends GmvCommand<typeof ChecklistExport> {
  static override summary = 'Export a signed run for auditors: the record, both signatures, the signers\' keys with the organisation\'s certification, a signed audit checkpoint with inclusion proofs, and VERIFY.txt (security officers).';
  static override args = { run: Args.string({ description: 'Run id', required: true }) };
  static override flags = { out: Flags.string({ description: 'A new or empty directory', required: true }) };

  async run(): Promise<void> {
    const { exportRun } = await import('../../src/services/checklist-export.js');
    const holder = await this.sessionActor();
    const r = await exportRun(await this.vault(), holder, this.args.run, this.flags.out);
    this.emit(r, () => this.t('checklist.exported', { id: r.id, dir: r.dir }));
  }
}
