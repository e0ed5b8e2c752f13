import { Flags } from '@oclif/core';
import { GmvCommand } from '../../../cli/base-command.js';

export default class AuditCheckpointExport extends GmvCommand<typeof AuditCheckpointExport> {
  static override summary = 'Sign the current audit tree head with the organisation key and export it for auditors.';
  static override description = 'Writes checkpoint.json, its detached binary signature checkpoint.json.sig and the organisation public key org-key.asc into DIR, so `gpg --verify` needs nothing else. A security officer unlocks the organisation key: in their session, or with --login and --passphrase-file.';
  static override examples = ['gmv audit checkpoint export --out evidence/', 'gmv audit checkpoint export --out evidence/ --login li.an --passphrase-file -'];
  static override flags = {
    out: Flags.string({ description: 'Directory to write into (created if missing; existing files are never overwritten)', required: true }),
    login: Flags.string({ description: 'Security officer who signs (without a session)' }),
    'passphrase-file': Flags.string({ description: 'Unlock --login here: passphrase from FILE, or - for standard input', dependsOn: ['login'] }),
    'totp-file': Flags.string({ description: 'With --passphrase-file, for people with TOTP: the current code from FILE or -' }),
  };

  async run(): Promise<void> {
    const { exportCheckpoint, EXPORT_FILES } = await import('../../../src/services/audit-checkpoint-export.js');
    const vault = await this.vault();
    const holder = await this.keyHolder(this.flags.login, this.flags['passphrase-file']);
    const result = await exportCheckpoint(vault, { outDir: this.flags.out, holder });
    const [body, sig, key] = result.files;
    this.emit(result, () => this.t('audit.export.done', { files: Object.values(EXPORT_FILES).join(', '), dir: result.dir, key: key!, sig: sig!, body: body! }));
  }
}
