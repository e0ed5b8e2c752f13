import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class CalendarImport extends GmvCommand<typeof CalendarImport> {
  static override summary = 'Import a year\'s working-day calendar, as the State Council published it (security officers only).';
  static override description = 'FILE is a calendar file (docs/calendar-files.md). It is validated first (exit 11 with the line of the problem, nothing stored); then its text and SHA-256 are stored in the vault with an audit entry. The latest import of a year is the one deadlines count with.';
  static override examples = ['gmv calendar import 2027.yaml'];
  static override args = { file: Args.string({ description: 'The calendar file (YAML)', required: true }) };

  async run(): Promise<void> {
    const [{ importCalendar }, { INPUT_LIMITS, readUtf8Text }] = await Promise.all([import('../../src/services/calendar.js'), import('../../src/local/input-limits.js')]);
    // Bounded (a path to /dev/zero ends at the limit) and strictly UTF-8 (a GBK notice would store U+FFFD names).
    const text = readUtf8Text(this.args.file, INPUT_LIMITS.calendarFile, 'what.calendarFile');
    const actor = await this.sessionActor();
    const result = await importCalendar(await this.vault(), actor, { path: this.args.file, text });
    this.emit(result, () => this.t('calendar.imported', { year: result.year, holidays: result.holidays, workdays: result.adjustedWorkdays, sha256: result.sha256 }));
  }
}
