import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { formatChinaTime } from '../../src/domain/dates.js';

export default class ChecklistShow extends GmvCommand<typeof ChecklistShow> {
  static override summary = 'Show one run: its steps with status, notes and evidence hashes, who signed and countersigned.';
  static override args = { run: Args.string({ description: 'Run id', required: true }) };

  async run(): Promise<void> {
    const [{ showRun }, { statusWord }] = await Promise.all([import('../../src/services/checklists.js'), import('../../src/i18n/catalogue.js')]);
    const r = await showRun(await this.vault(), this.args.run);
    const lang = this.lang === 'zh-CN' ? 'zh' : 'en';
    this.emit({ run: r }, () => [
      `${r.id}  ${r.title[lang]} (${r.cite[lang]})  ${statusWord('run', r.status, this.lang)}${r.overdue ? ` — ${statusWord('due', 'overdue', this.lang)}` : ''}  ${this.t('col.due')}: ${r.deadline ?? '?'}`,
      ...renderTable(['col.step', 'col.status', 'col.note', 'col.evidence', 'col.by'], r.steps.map((s) => [
        `${s.id} ${s.title[lang]}`, s.status ? statusWord('step', s.status, this.lang) : '-', s.note ?? '', s.evidence.map((e) => `${e.name} sha256:${e.sha256.slice(0, 16)}…`).join(', '), s.by ? `${s.by} ${formatChinaTime(new Date(s.at!))}` : '',
      ]), this.lang),
      ...(r.performer ? [`${this.t('checklist.signed', { id: r.id, login: r.performer })}${r.countersigner ? ` ${this.t('checklist.countersigned', { id: r.id, login: r.countersigner }).split('.')[0]}.` : ''}`] : []),
    ]);
  }
}
