import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class ChecklistList extends GmvCommand<typeof ChecklistList> {
  static override summary = 'List checklist runs with their status and deadline.';
  static override flags = { open: Flags.boolean({ description: 'Only runs not yet complete', default: false }) };

  async run(): Promise<void> {
    const [{ listRuns }, { statusWord }] = await Promise.all([import('../../src/services/checklists.js'), import('../../src/i18n/catalogue.js')]);
    const runs = await listRuns(await this.vault(), { open: this.flags.open });
    const lang = this.lang === 'zh-CN' ? 'zh' : 'en';
    this.emit({ runs }, () => runs.length === 0 ? this.t('checklist.none') : renderTable(['col.run', 'col.template', 'col.account', 'col.status', 'col.due', 'col.by'], runs.map((r) => [
      r.id, r.title[lang], r.slug ?? '-', statusWord('run', r.status, this.lang) + (r.overdue ? ` (${statusWord('due', 'overdue', this.lang)})` : ''), r.deadline ?? '?', [r.performer, r.countersigner].filter(Boolean).join(' + ') || r.startedBy,
    ]), this.lang));
  }
}
