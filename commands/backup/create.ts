import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class BackupCreate extends GmvCommand<typeof BackupCreate> {
  static override summary = 'Write an encrypted, signed backup of the whole vault while it is in use (security officers).';
  static override description = 'A consistent snapshot (one read transaction) as portable SQL, encrypted with OpenPGP to the organisation recovery key and to every current holder of the roles the policy names in backups.encrypt_to_roles, security officers by default (GnuPG 2.2 decrypts it), with a manifest — schema version, rows per table, audit tree size and root, latest checkpoint — signed by the officer of this session, or, without a session (a nightly job), by this terminal\'s device key on behalf of the officer it belongs to. See docs/RECOVERY.md.';
  static override examples = ['gmv backup create --out /srv/backup/gmv-2026-12-03.gmvbak', 'gmv backup create --out "/srv/backup/gmv-$(date +%F).gmvbak" --quiet   # cron, no session: the device key signs'];
  static override flags = { out: Flags.string({ description: 'The backup file to write (must not exist)', required: true }) };

  async run(): Promise<void> {
    const { createBackup } = await import('../../src/services/backup-create.js');
    const holder = await this.optionalSessionActor();
    const r = await createBackup(await this.vault(), holder, this.flags.out);
    this.emit(r, () => [
      this.t('backup.created', { path: r.path, bytes: r.bytes, sha256: r.sha256 }),
      this.t('backup.summary', { rows: Object.values(r.manifest.tables).reduce((a, b) => a + b, 0), tables: Object.keys(r.manifest.tables).length, entries: r.manifest.audit.size, signer: r.manifest.signer.kind === 'person' ? r.manifest.signer.login ?? '' : `${r.manifest.signer.device ?? ''} (${r.manifest.signer.login ?? ''})`, recipients: r.manifest.recipients.length }),
    ]);
  }
}
