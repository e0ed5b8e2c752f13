import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { GmvError } from '../../src/errors.js';
import { parseCivilDate } from '../../src/domain/dates.js';

export default class CalendarIsWorkday extends GmvCommand<typeof CalendarIsWorkday> {
  static override summary = 'Is a day a working day in China (public holidays and adjusted working days counted)?';
  static override description = 'Prints yes or no and exits 0 either way. A day no known calendar covers exits 12 (CALENDAR_UNKNOWN): it is never guessed.';
  static override examples = ['gmv calendar is-workday 2025-10-11', 'gmv calendar is-workday 2025-10-01 --json'];
  static override args = { date: Args.string({ description: 'The day, YYYY-MM-DD (a civil date in China)', required: true }) };

  async run(): Promise<void> {
    const day = parseCivilDate(this.args.date);
    if (!day) throw new GmvError('USAGE', { detail: 'detail.dayArg', value: this.args.date });
    const { isWorkdayOn } = await import('../../src/services/calendar.js');
    const info = await isWorkdayOn(await this.vault(), day);
    this.emit(info, () => this.t(info.workday ? 'calendar.yes' : 'calendar.no'));
  }
}
