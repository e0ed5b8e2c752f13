import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderFields, renderTable, type FieldKey } from '../../cli/table.js';

export default class ImpersonationShow extends GmvCommand<typeof ImpersonationShow> {
  static override summary = 'Show one counterfeit-account case: the counterfeit, who found it when, its evidence hashes, and its checklist steps — done, due or overdue — until the run that closes it is signed.';
  static override examples = ['gmv impersonation show IMP-2026-0001', 'gmv impersonation show IMP-2026-0001 --json'];
  static override args = { case: Args.string({ description: 'Case number (IMP-2026-0001)', required: true }) };

  async run(): Promise<void> {
    const [{ showCase }, { statusWord }, { formatChinaTime }] = await Promise.all([import('../../src/services/impersonation.js'), import('../../src/i18n/catalogue.js'), import('../../src/domain/dates.js')]);
    const c = await showCase(await this.vault(), this.args.case);
    const lang = this.lang === 'zh-CN' ? 'zh' : 'en';
    const time = (iso: string) => formatChinaTime(new Date(iso));
    const stateWord = (state: string) => ['done', 'failed', 'na'].includes(state) ? statusWord('step', state, this.lang) : statusWord('due', state, this.lang);
    this.emit({ case: c }, () => {
      const run = c.run;
      const lines = [
        this.t('impersonation.title', { id: c.id, platform: c.platform, where: [c.url, c.handle].filter(Boolean).join(' '), state: statusWord('case', c.state, this.lang) }),
        ...renderFields([
          ...(c.slug ? [['field.imitates', c.slug] as [FieldKey, string]] : []),
          ['field.reported', `${c.reportedBy} ${time(c.reportedAt)}`],
          ...(c.note ? [['field.note', c.note] as [FieldKey, string]] : []),
          ['field.evidence', c.evidence.length ? c.evidence.map((e) => this.t('impersonation.evidence', { name: e.name, sha256: e.sha256, size: e.size })).join(', ') : this.t('word.none')],
          ['field.checklist', run ? this.t('impersonation.checklist', { run: run.id, title: run.title[lang], cite: run.cite[lang], status: statusWord('run', run.status, this.lang), deadline: run.deadline ?? statusWord('due', 'unknown', this.lang) }) : this.t('impersonation.noChecklist')],
        ], this.lang),
      ];
      if (!run) return lines;
      lines.push(...renderTable(['col.step', 'col.status', 'col.due', 'col.note', 'col.evidence', 'col.by'], c.steps.map((s) => [
        `${s.id} ${s.title[lang]}`, stateWord(s.state), s.due ?? '?', s.note ?? '', s.evidence.map((e) => `${e.name} sha256:${e.sha256.slice(0, 16)}…`).join(', '), s.by ? `${s.by} ${time(s.at!)}` : '',
      ]), this.lang));
      if (c.overdue.length) lines.push(this.t('impersonation.overdue', { deadline: run.deadline ?? '?', steps: c.overdue.join(', '), run: run.id }));
      else if (c.state === 'closed') lines.push(this.t('impersonation.closed', { at: time(c.closedAt!), run: run.id, by: [run.performer, run.countersigner].filter(Boolean).join(' + ') }));
      else if (run.status === 'signed') lines.push(this.t('impersonation.toCountersign', { performer: run.performer ?? '', run: run.id }));
      else if (c.steps.every((s) => ['done', 'failed', 'na'].includes(s.state))) lines.push(this.t('impersonation.toSign', { run: run.id }));
      return lines;
    });
  }
}
