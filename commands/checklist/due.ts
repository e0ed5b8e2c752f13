import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class ChecklistDue extends GmvCommand<typeof ChecklistDue> {
  static override summary = 'What is due or overdue: periodic checklists by their cadence (drills, inspections, sweeps) and open runs by their working-day deadline.';

  async run(): Promise<void> {
    const [{ dueChecklists }, { statusWord }] = await Promise.all([import('../../src/services/checklists.js'), import('../../src/i18n/catalogue.js')]);
    const { today, items } = await dueChecklists(await this.vault());
    const lang = this.lang === 'zh-CN' ? 'zh' : 'en';
    this.emit({ today, items }, () => items.length === 0 ? this.t('checklist.nothingDue') : renderTable(['col.template', 'col.run', 'col.account', 'col.due', 'col.state', 'col.last'], items.map((i) => [
      `${i.template} ${i.title[lang]}`, i.run ?? '-', i.slug ?? '-', i.due ?? '?', statusWord('due', i.state, this.lang), i.last ?? '-',
    ]), this.lang));
  }
}
