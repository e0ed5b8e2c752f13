import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class RotateDue extends GmvCommand<typeof RotateDue> {
  static override summary = 'The rotation queue: accounts whose password must change, why, and by when.';

  async run(): Promise<void> {
    const { rotationDue } = await import('../../src/services/rotation.js');
    const items = await rotationDue(await this.vault());
    this.emit({ due: items }, () => items.length === 0 ? this.t('rotate.none') : renderTable(['account', 'reason', 'due', 'detail'], items.map((i) => [
      i.account, i.reason, `${i.due}${i.overdue ? ' (overdue)' : ''}${i.inProgress ? ' (in progress)' : ''}`, i.detail ?? '',
    ])));
  }
}
