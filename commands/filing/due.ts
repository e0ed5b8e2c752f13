import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class FilingDue extends GmvCommand<typeof FilingDue> {
  static override summary = 'What the filing register owes: accounts not yet filed with their deadline (20 working days after registration), and announced closures with their earliest closing day.';
  static override description = 'Deadlines are counted on the working-day calendar; one that needs a day no known calendar covers is shown as unknown and the command exits 12, never guessing.';

  async run(): Promise<void> {
    const { filingDue } = await import('../../src/services/filing.js');
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    const { ExitCode } = await import('../../src/errors.js');
    const { today, items } = await filingDue(await this.vault());
    this.emit({ today, items }, () => items.length === 0 ? this.t('filing.none') : renderTable(['col.account', 'col.name', 'col.unit', 'col.kind', 'col.since', 'col.due', 'col.state'], items.map((i) => [
      i.slug, i.name, i.unit, statusWord('filing', i.kind, this.lang), i.since, i.due ?? '?', statusWord('filing', i.state, this.lang),
    ]), this.lang));
    const unknown = items.find((i) => i.state === 'unknown');
    if (unknown) {
      this.note(this.t('filing.unknownWarning', { date: unknown.unknownDay ?? '' }));
      process.exitCode = ExitCode.calendarUnknown;
    }
  }
}
