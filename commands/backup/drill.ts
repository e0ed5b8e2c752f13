import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class BackupDrill extends GmvCommand<typeof BackupDrill> {
  static override summary = 'Run the restore drill (measures art. 28): restore the latest backup into a scratch vault, verify it, compare it with the live vault, time it, and record it as a checklist run to sign (security officers).';
  static override description = 'The three steps of the backup-restore-drill checklist are recorded with what was measured: the backup file\'s SHA-256, the restored manifest, the comparison (the live audit log must extend the backup\'s; row counts side by side) and the restore time. Then: gmv checklist sign RUN, and a second officer gmv checklist countersign RUN.';
  static override examples = ['gmv backup drill', 'gmv backup drill --backup /srv/backup/gmv-2026-12-03.gmvbak'];
  static override flags = {
    backup: Flags.string({ description: 'The backup to drill with (default: the newest this vault recorded making, if its file is still there)' }),
    'recovery-key': Flags.string({ description: 'Open the backup with the organisation recovery key instead of your session' }),
  };

  async run(): Promise<void> {
    // The decryption worker starts now: its start-up overlaps the command's own.
    void import('../../src/services/backup-decrypt.js').then((m) => m.warmDecryption(), () => undefined);
    const { backupDrill } = await import('../../src/services/backup-drill.js');
    const actor = await this.sessionActor();
    const keys = await this.backupKeys(this.flags['recovery-key'], undefined);
    const r = await backupDrill(await this.vault(), actor, { backup: this.flags.backup, keys: { recoveryKey: keys.recoveryKey } });
    this.emit(r, () => [
      this.t('backup.drilled', { run: r.run.id, file: r.backup, seconds: r.seconds.toFixed(2) }),
      r.auditMatches ? this.t('backup.drill.matches', { changed: r.differences.length === 0 ? this.t('backup.drill.same', {}) : r.differences.map((d) => `${d.table} ${d.restored}→${d.live}`).join(', ') }) : this.t('backup.drill.diverged', {}),
      this.t('backup.drill.next', { run: r.run.id }),
    ]);
  }
}
