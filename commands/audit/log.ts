import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { isoChinaTime } from '../../src/domain/dates.js';
import { shown } from '../../src/domain/terminal-text.js';

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
    const { listAudit } = await import('../../src/services/audit-log.js');
    const entries = await listAudit(await this.vault(), {
      actor: this.flags.actor,
      subject: this.flags.subject,
      action: this.flags.action,
      since: this.dateFlag('since', this.flags.since),
      until: this.untilFlag('until', this.flags.until),
      limit: this.flags.last,
    });
    this.emit({ entries }, () => entries.length === 0 ? this.t('audit.log.empty') : entries.map((e) => {
      const details = e.present ? JSON.stringify(e.details) : this.t('word.pruned');
      return shown`#${e.seq}  ${isoChinaTime(new Date(e.at))}  ${e.outcome.padEnd(6)}  ${e.action}  actor=${e.actor ?? '-'}  subject=${e.subject ?? '-'}  ${details}`;
    }));
  }
}
