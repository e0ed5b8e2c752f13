import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class RotateDue extends GmvCommand<typeof RotateDue> {
  static override summary = 'The rotation queue: accounts whose password must change, why, and by when.';
  static override description = 'A departure lists the fields still to rotate (password, TOTP seed, recovery codes) and whose departure it was; a field counts as rotated once a new value was set or confirmed after it.';
  static override examples = ['gmv rotate due', 'gmv rotate due --reason departure --json'];
  static override flags = {
    reason: Flags.option({ options: ['scheduled', 'departure', 'compromise', 'manual', 'access-removed'] as const, description: 'Only items queued for this reason' })(),
  };

  async run(): Promise<void> {
    const [{ rotationDue }, { rotationDetailText }, { statusWord }] = await Promise.all([
      import('../../src/services/rotation.js'), import('../../src/domain/rotation-detail.js'), import('../../src/i18n/catalogue.js')]);
    const items = (await rotationDue(await this.vault())).filter((i) => !this.flags.reason || i.reason === this.flags.reason);
    // --json keeps the stored reason code and detail; the table says them in the reader's language.
    this.emit({ due: items }, () => items.length === 0 ? this.t('rotate.none') : renderTable(['col.account', 'col.reason', 'col.rotateFields', 'col.due', 'col.detail'], items.map((i) => [
      i.slug, statusWord('rotation', i.reason, this.lang), i.fields ? i.fields.join(',') : '-', `${i.due}${i.overdue ? this.t('word.overdue') : ''}${i.inProgress ? this.t('word.inProgress') : ''}`,
      i.detail === null ? '' : rotationDetailText(i.detail, this.lang),
    ]), this.lang));
  }
}
