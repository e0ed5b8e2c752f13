import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderFields } from '../../cli/table.js';
import { shown } from '../../src/domain/terminal-text.js';

export default class StaffShow extends GmvCommand<typeof StaffShow> {
  static override summary = 'Show one person: unit, employer, roles, status, devices, second factor.';
  static override args = { login: Args.string({ description: 'Login handle', required: true }) };

  async run(): Promise<void> {
    const { showStaff } = await import('../../src/services/staff.js');
    const p = await showStaff(await this.vault(), this.args.login);
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    this.emit(p, () => {
      const status = statusWord('person', p.status, this.lang);
      return [
        shown`${p.login}  ${p.name}`,
        ...renderFields([
          ['field.unit', p.unit],
          ['field.employer', p.employer ?? this.t('word.inHouse')],
          ['field.roles', p.roles.join(', ')],
          ['field.status', p.locked ? this.t('word.lockedAfterFailures', { status }) : status],
          ['field.secondFactor', p.mfa ? this.t('word.totpFactor') : this.t('word.none')],
          ['field.devices', p.devices.length === 0 ? this.t('word.none') : p.devices.map((d) => `${d.id} (${statusWord('device', d.status, this.lang)})`).join(', ')],
        ], this.lang),
      ];
    });
  }
}
