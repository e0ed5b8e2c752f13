import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { formatChinaTime } from '../../src/domain/dates.js';

export default class AuditPrune extends GmvCommand<typeof AuditPrune> {
  static override summary = 'Drop the contents of audit entries older than a date (outside the policy\'s retention only).';
  static override description = 'Entry hashes stay in the Merkle tree, so every checkpoint still verifies; the prune is itself a signed entry. Refused (exit 4) for any date inside the retention period (at least 6 months).';
  static override flags = {
    before: Flags.string({ description: 'Prune entries before this date (YYYY-MM-DD or ISO timestamp)', required: true }),
    login: Flags.string({ description: 'Security officer who prunes (without a session)' }),
    'passphrase-file': Flags.string({ description: 'Unlock --login here: passphrase from FILE, or - for standard input', dependsOn: ['login'] }),
    'totp-file': Flags.string({ description: 'With --passphrase-file, for people with TOTP: the current code from FILE or -' }),
  };

  async run(): Promise<void> {
    const { pruneAudit } = await import('../../src/services/audit-prune.js');
    const before = this.dateFlag('before', this.flags.before)!;
    const vault = await this.vault();
    const actor = await this.keyHolder(this.flags.login, this.flags['passphrase-file']);
    const result = await pruneAudit(vault, { before, actor });
    this.emit(result, () => result.pruned > 0
      ? this.t('audit.prune.done', { count: result.pruned, before: formatChinaTime(new Date(result.before)) })
      : this.t('audit.prune.nothing', { before: formatChinaTime(new Date(result.before)) }));
  }
}
