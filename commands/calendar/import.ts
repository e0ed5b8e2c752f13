import { Args } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { GmvCommand } from '../../cli/base-command.js';
import { GmvError } from '../../src/errors.js';

export default class CalendarImport extends GmvCommand<typeof CalendarImport> {
  static override summary = 'Import a year\'s working-day calendar, as the State Council published it (security officers only).';
  static override description = 'FILE is a calendar file (docs/calendar-files.md). It is validated first (exit 11 with the line of the problem, nothing stored); then its text and SHA-256 are stored in the vault with an audit entry. The latest import of a year is the one deadlines count with.';
  static override examples = ['gmv calendar import 2027.yaml'];
  static override args = { file: Args.string({ description: 'The calendar file (YAML)', required: true }) };

  async run(): Promise<void> {
    let text: string;
    try {
      text = readFileSync(this.args.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new GmvError('FILE_NOT_FOUND', { path: this.args.file });
      throw new GmvError('FILE_UNREADABLE', { path: this.args.file, detail: code ?? 'detail.fileReadError' });
    }
    const { importCalendar } = await import('../../src/services/calendar.js');
    const actor = await this.sessionActor();
    const result = await importCalendar(await this.vault(), actor, { path: this.args.file, text });
    this.emit(result, () => this.t('calendar.imported', { year: result.year, holidays: result.holidays, workdays: result.adjustedWorkdays, sha256: result.sha256 }));
  }
}
