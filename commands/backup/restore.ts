import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class BackupRestore extends GmvCommand<typeof BackupRestore> {
  static override summary = 'Restore a backup into a new vault: a SQLite path or a PostgreSQL URL (either backup restores on either).';
  static override description = 'Everything gmv backup verify checks is checked first, on a scratch copy; only then is the vault put in place (a SQLite file renamed into place, or one PostgreSQL transaction), so a failure or an interruption leaves nothing that looks like a vault. An existing vault is never overwritten without --force. A backup older than the newest checkpoint the target or this terminal has seen is refused unless --allow-rollback, which is audited in the restored vault.';
  static override examples = ['gmv backup restore gmv-2026-12-03.gmvbak --to /srv/gmv/vault.db', 'gmv backup restore gmv-2026-12-03.gmvbak --to postgresql://gmv@db/gmv --recovery-key /media/usb/recovery.asc'];
  static override args = { file: Args.string({ description: 'The backup file', required: true }) };
  static override flags = {
    to: Flags.string({ description: 'Where to restore: a SQLite file path or a postgres:// URL', required: true }),
    'recovery-key': Flags.string({ description: 'The organisation recovery key (armored, from gmv init)' }),
    'org-key': Flags.string({ description: 'The organisation public key you pinned: the backup\'s, or one its signed re-keys hand over from' }),
    force: Flags.boolean({ description: 'Replace a vault that is already there' }),
    'allow-rollback': Flags.boolean({ description: 'Restore a backup older than a checkpoint already seen (audited)' }),
  };

  async run(): Promise<void> {
    // The decryption worker starts now: its start-up overlaps the command's own.
    void import('../../src/services/backup-decrypt.js').then((m) => m.warmDecryption(), () => undefined);
    const [{ restoreBackup }, { checkedLines, restoreTarget }] = await Promise.all([import('../../src/services/backup-restore.js'), import('../../cli/backup-keys.js')]);
    const r = await restoreBackup({
      file: this.args.file, to: restoreTarget(this.flags.to), keys: await this.backupKeys(this.flags['recovery-key'], this.flags['org-key']),
      force: this.flags.force, allowRollback: this.flags['allow-rollback'], paths: this.paths,
    });
    if (r.rollback) this.note(this.t('backup.rolledBack', { backup: r.rollback.backup, seen: r.rollback.seen, where: r.rollback.where }));
    this.emit({ ok: true, to: r.to, file: r.file, manifest: r.manifest, openedWith: r.openedWith, orgKey: r.orgKey, audit: r.audit, rollback: r.rollback, seconds: r.seconds }, () => [
      ...checkedLines(r, (key, params) => this.t(key, params)),
      this.t('backup.restored', { to: r.to, seconds: r.seconds.toFixed(2) }),
    ]);
  }
}
