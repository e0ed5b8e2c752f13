import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class AuditLog extends GmvCommand<typeof AuditLog> {
  static override summary = 'List audit entries, oldest first.';
  static override examples = ['gmv audit log --actor zhang.wei --since 2026-11-01', 'gmv audit log --action "device.*" --json'];
  static override flags = {
    actor: Flags.string({ description: 'Only entries by this login handle' }),
    subject: Flags.string({ description: 'Only entries about this subject (login, slug, device id…)' }),
    action: Flags.string({ description: 'Only this action (e.g. vault.init), or a family (device.*)' }),
    since: Flags.string({ description: 'From this date (YYYY-MM-DD, China time) or ISO timestamp' }),
    until: Flags.string({ description: 'Before this date or timestamp' }),
    last: Flags.integer({ description: 'Only the last N matching entries', min: 1 }),
  };

  async run(): Promise<void> {
    // The same printer as the oclif-free path (bin/run.js): one query, streamed; --last reads only the tail.
    const { printAuditLog } = await import('../../src/fast/listings.js');
    const vault = await this.vault();
    await printAuditLog(vault.store.reader, vault.vaultId, {
      actor: this.flags.actor,
      subject: this.flags.subject,
      action: this.flags.action,
      since: this.dateFlag('since', this.flags.since),
      until: this.untilFlag('until', this.flags.until),
      limit: this.flags.last,
    }, this.jsonMode, this.lang);
  }
}
