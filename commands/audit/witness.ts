import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class AuditWitness extends GmvCommand<typeof AuditWitness> {
  static override summary = 'Hand the newest signed audit checkpoint to a second place, signed by this terminal\'s device key.';
  static override description = 'Writes one file per checkpoint (and its detached signature .sig) into DIR, for example a supervising office\'s folder or share; a checkpoint already there is left as it is and nothing is overwritten, so it can run from cron. Check the vault against the folder later with: gmv audit verify --witness DIR. Needs an approved terminal; writes nothing into the vault.';
  static override examples = ['gmv audit witness --out /mnt/supervisor/gmv-witness', { description: 'Every hour, as a crontab line', command: '0 * * * * gmv audit witness --out /mnt/supervisor/gmv-witness --json' }];
  static override flags = {
    out: Flags.string({ description: 'Directory to write into (created if missing; existing files are never overwritten)', required: true }),
  };

  async run(): Promise<void> {
    const { witnessCheckpoint } = await import('../../src/services/audit-witness.js');
    const result = await witnessCheckpoint(await this.vault(), { outDir: this.flags.out });
    this.emit(result, () => result.already
      ? this.t('audit.witness.already', { size: result.size, file: result.file })
      : this.t('audit.witness.done', { size: result.size, root: result.root, file: result.file, sig: result.signature }));
  }
}
