import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderFields } from '../../cli/table.js';
import { shown } from '../../src/domain/terminal-text.js';

export default class StaffShow extends GmvCommand<typeof StaffShow> {
  static override summary = 'Show one person: unit, employer, roles, status, devices, second factor.';
  static override args = { login: Args.string({ description: 'Login handle', required: true }) };

  async run(): Promise<void> {
    const [{ showStaff }, { departureItems }, { formatChinaTime }] = await Promise.all([import('../../src/services/staff.js'), import('../../src/services/offboarding.js'), import('../../src/domain/dates.js')]);
    const vault = await this.vault();
    const p = await showStaff(vault, this.args.login);
    const departure = await departureItems(vault, this.args.login);
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    this.emit({ person: p, departure }, () => {
      const status = statusWord('person', p.status, this.lang);
      const at = departure?.departedAt ? formatChinaTime(new Date(departure.departedAt)) : '-';
      const open = departure ? [...departure.rotations.map((r) => this.t('staff.departureRotation', { account: r.slug, fields: r.fields.join(', '), due: r.due, overdue: r.overdue ? this.t('word.overdue') : '' })),
        ...departure.bindings.map((b) => this.t('staff.departureBinding', { account: b.slug, role: b.role, external: b.external ?? p.login, id: b.id })),
        ...departure.runs.map((r) => this.t('staff.departureRun', { run: r.id, status: statusWord('run', r.status, this.lang), due: r.deadline ?? '?' }))] : [];
      const departed = !departure ? [] : open.length ? [this.t('staff.departure', { at }), ...open] : [this.t('staff.departureClean', { at })];
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
        ...departed,
      ];
    });
  }
}
