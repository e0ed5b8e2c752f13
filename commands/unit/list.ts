import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class UnitList extends GmvCommand<typeof UnitList> {
  static override summary = 'List units and how many current staff each has.';

  async run(): Promise<void> {
    const { listUnits } = await import('../../src/services/staff.js');
    const units = await listUnits(await this.vault());
    this.emit({ units }, () => renderTable(['unit', 'staff', 'created'], units.map((u) => [u.name, String(u.people), u.createdAt.slice(0, 10)])));
  }
}
