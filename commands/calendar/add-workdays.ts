import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { GmvError } from '../../src/errors.js';
import { parseCivilDate } from '../../src/domain/dates.js';

export default class CalendarAddWorkdays extends GmvCommand<typeof CalendarAddWorkdays> {
  static override summary = 'The day N working days after a date (the deadline of "within N working days").';
  static override description = 'The count starts the day after DATE and skips weekends and public holidays, counting adjusted working days (调休). A count that reaches a day no known calendar covers exits 12 (CALENDAR_UNKNOWN): it is never guessed. A negative N counts back (write it after --).';
  static override examples = ['gmv calendar add-workdays 2025-09-28 7', 'gmv calendar add-workdays 2025-10-14 --json -- -7'];
  static override args = {
    date: Args.string({ description: 'The first day, YYYY-MM-DD (a civil date in China)', required: true }),
    n: Args.string({ description: 'How many working days', required: true }),
  };

  async run(): Promise<void> {
    const day = parseCivilDate(this.args.date);
    if (!day) throw new GmvError('USAGE', { detail: 'detail.dayArg', value: this.args.date });
    if (!/^-?\d{1,5}$/.test(this.args.n)) throw new GmvError('USAGE', { detail: 'detail.workdaysArg', value: this.args.n });
    const { addWorkdaysFrom } = await import('../../src/services/calendar.js');
    const result = await addWorkdaysFrom(await this.vault(), day, Number(this.args.n));
    this.emit(result, () => result.date);
  }
}
