import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { civilDateOf } from '../../src/domain/dates.js';

export default class UnitList extends GmvCommand<typeof UnitList> {
  static override summary = 'List units and how many current staff each has.';

  async run(): Promise<void> {
    const { listUnits } = await import('../../src/services/staff.js');
    const units = await listUnits(await this.vault());
    this.emit({ units }, () => renderTable(['col.unit', 'col.staff', 'col.created'], units.map((u) => [u.name, String(u.people), civilDateOf(new Date(u.createdAt))]), this.lang));
  }
}
