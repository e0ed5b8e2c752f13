import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class ImpersonationList extends GmvCommand<typeof ImpersonationList> {
  static override summary = 'List counterfeit-account cases (measures art. 29): where each counterfeit is, who found it when, its checklist, its deadline and overdue steps.';
  static override examples = ['gmv impersonation list --open', 'gmv impersonation list --json'];
  static override flags = { open: Flags.boolean({ description: 'Only cases whose checklist is not yet complete (signed and countersigned)', default: false }) };

  async run(): Promise<void> {
    const [{ listCases }, { statusWord }, { formatChinaTime }] = await Promise.all([import('../../src/services/impersonation.js'), import('../../src/i18n/catalogue.js'), import('../../src/domain/dates.js')]);
    const cases = await listCases(await this.vault(), { open: this.flags.open });
    this.emit({ cases }, () => cases.length === 0 ? this.t(this.flags.open ? 'impersonation.noneOpen' : 'impersonation.none') : renderTable(
      ['col.case', 'col.platform', 'col.where', 'col.account', 'col.reported', 'col.run', 'col.status', 'col.due', 'col.overdueSteps'],
      cases.map((c) => [
        c.id, c.platform, [c.url, c.handle].filter(Boolean).join(' '), c.slug ?? '-', `${c.reportedBy} ${formatChinaTime(new Date(c.reportedAt))}`,
        c.run?.id ?? '-', statusWord('case', c.state, this.lang) + (c.run && c.state === 'open' && c.run.status !== 'open' ? ` (${statusWord('run', c.run.status, this.lang)})` : ''),
        c.run ? c.run.deadline ?? statusWord('due', 'unknown', this.lang) : '-', c.overdue.length ? c.overdue.join(', ') : '-',
      ]), this.lang));
  }
}
