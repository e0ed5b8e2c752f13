import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

// The same command without oclif: src/fast/audit-verify.ts (bin/run.js sends it there when it can).
export default class AuditVerify extends GmvCommand<typeof AuditVerify> {
  static override summary = 'Verify the audit log: every entry hash, the Merkle root at every checkpoint, every signature.';
  static override description = 'With --since-checkpoint, also proves (RFC 9162 consistency proof) that today\'s log extends an older exported checkpoint: truncation, reordering or rewriting are detected even if the whole tree was recomputed in the database. With --witness, checks the log against every witnessed checkpoint in the folder. It also refuses a log that does not extend the largest checkpoint this terminal has seen. Exit code 6 names the first bad entry.';
  static override examples = ['gmv audit verify', 'gmv audit verify --since-checkpoint evidence-2026-10/checkpoint.json', 'gmv audit verify --witness /mnt/supervisor/gmv-witness'];
  static override flags = {
    'since-checkpoint': Flags.string({ description: 'An exported checkpoint.json (its .sig beside it) to check consistency with' }),
    'org-key': Flags.string({ description: 'Pinned organisation public key (default: org-key.asc beside the checkpoint)' }),
    witness: Flags.string({ description: 'A folder of witnessed checkpoints (gmv audit witness --out): the log must agree with every one' }),
  };

  async run(): Promise<void> {
    const [{ verifyAuditAt, verifyLines }, { progressBar }] = await Promise.all([import('../../src/services/audit-verify.js'), import('../../cli/progress.js')]);
    // The number of entries is known once the scan starts: the bar (if the log is long enough for one) starts with it.
    let bar: ReturnType<typeof progressBar> | undefined;
    const onProgress = (done: number, total: number) => {
      bar ??= progressBar(this.t('progress.verify'), { json: this.jsonMode, quiet: this.flags.quiet, total });
      void bar.then((b) => b.update(done, total));
    };
    const report = await verifyAuditAt(this.storeTarget(), { sinceCheckpoint: this.flags['since-checkpoint'], orgKeyFile: this.flags['org-key'], devicesDir: this.paths.devicesDir, witnessDir: this.flags.witness, onProgress })
      .finally(async () => (await bar)?.stop());
    this.emit({ ok: true, ...report }, () => verifyLines(report, this.lang));
  }
}
