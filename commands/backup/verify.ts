import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class BackupVerify extends GmvCommand<typeof BackupVerify> {
  static override summary = 'Check a backup without restoring it: signature and signer, decryption, manifest against the contents, audit log against its checkpoint.';
  static override description = 'Opens the backup with --recovery-key FILE, or as the officer of this session. It is loaded into a scratch file that is removed afterwards; exit 6 names what fails.';
  static override examples = ['gmv backup verify gmv-2026-12-03.gmvbak', 'gmv backup verify gmv-2026-12-03.gmvbak --recovery-key /media/usb/recovery.asc --org-key org-key.asc'];
  static override args = { file: Args.string({ description: 'The backup file', required: true }) };
  static override flags = {
    'recovery-key': Flags.string({ description: 'The organisation recovery key (armored, from gmv init)' }),
    'org-key': Flags.string({ description: 'The organisation public key you pinned: the backup\'s, or one its signed re-keys hand over from' }),
  };

  async run(): Promise<void> {
    // The decryption worker starts now: its start-up overlaps the command's own.
    void import('../../src/services/backup-decrypt.js').then((m) => m.warmDecryption(), () => undefined);
    const [{ verifyBackup }, { checkedLines }] = await Promise.all([import('../../src/services/backup-restore.js'), import('../../cli/backup-keys.js')]);
    const r = await verifyBackup(this.args.file, await this.backupKeys(this.flags['recovery-key'], this.flags['org-key']));
    this.emit({ ok: true, file: r.file, manifest: r.manifest, openedWith: r.openedWith, orgKey: r.orgKey, audit: r.audit }, () => checkedLines(r, (key, params) => this.t(key, params)));
  }
}
