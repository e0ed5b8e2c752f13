import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class TrainingStatus extends GmvCommand<typeof TrainingStatus> {
  static override summary = 'Who lacks a course or a confidentiality agreement their roles need, and whose lapse soon (security officers).';
  static override description = 'A person listed as missing or expired is refused every account until it is recorded (measures arts. 7, 25). Departed staff are not listed.';
  static override examples = ['gmv training status', 'gmv training status --expiring 60 --json'];
  static override flags = {
    expiring: Flags.integer({ description: 'Also list what lapses within this many days', default: 30, min: 0, max: 3650 }),
    login: Flags.string({ description: 'Only this person' }),
  };

  async run(): Promise<void> {
    const { trainingStatus } = await import('../../src/services/training.js');
    const actor = await this.sessionActor();
    const status = await trainingStatus(await this.vault(), actor, { expiringDays: this.flags.expiring, ...(this.flags.login ? { login: this.flags.login } : {}) });
    const rows: string[][] = [];
    const what = (w: string) => w === 'nda' ? this.t('training.nda') : w;
    for (const p of status.people) {
      for (const s of p.shortfalls) rows.push([p.login, p.name, p.roles.join(','), what(s.what), this.t(s.state === 'missing' ? 'training.state.missing' : 'training.state.lapsed'), s.lapsedOn ?? '-']);
      for (const l of p.lapsing) rows.push([p.login, p.name, p.roles.join(','), what(l.what), this.t('training.state.lapsing'), l.until]);
    }
    this.emit(status, () => rows.length === 0 ? this.t('training.statusNone', { days: status.within })
      : [this.t('training.heading', { today: status.today, days: status.within }), ...renderTable(['col.login', 'col.name', 'col.roles', 'col.course', 'col.state', 'col.date'], rows, this.lang)]);
  }
}
