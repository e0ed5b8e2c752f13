import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class RotateDue extends GmvCommand<typeof RotateDue> {
  static override summary = 'The rotation queue: accounts whose password must change, why, and by when.';

  async run(): Promise<void> {
    const { rotationDue } = await import('../../src/services/rotation.js');
    const items = await rotationDue(await this.vault());
    this.emit({ due: items }, () => items.length === 0 ? this.t('rotate.none') : renderTable(['col.account', 'col.reason', 'col.due', 'col.detail'], items.map((i) => [
      i.account, i.reason, `${i.due}${i.overdue ? this.t('word.overdue') : ''}${i.inProgress ? this.t('word.inProgress') : ''}`, i.detail ?? '',
    ]), this.lang));
  }
}
