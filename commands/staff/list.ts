import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class StaffList extends GmvCommand<typeof StaffList> {
  static override summary = 'List people with their unit, roles, status and devices.';
  static override flags = {
    unit: Flags.string({ description: 'Only this unit' }),
    role: Flags.string({ description: 'Only people holding this role' }),
    status: Flags.option({ options: ['onboarding', 'active', 'departed'] as const, description: 'Only this status' })(),
  };

  async run(): Promise<void> {
    const { activeOfficers, listStaff, parseRoles } = await import('../../src/services/staff.js');
    const vault = await this.vault();
    const people = await listStaff(vault, { unit: this.flags.unit, status: this.flags.status, role: this.flags.role ? parseRoles(this.flags.role)[0] : undefined });
    // One officer is one lock-out away from a vault nobody can administer: keep saying so.
    const officers = await activeOfficers(vault);
    if (officers.length === 1) this.note(this.t('staff.oneOfficer', { login: officers[0]! }));
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    this.emit({ people }, () => renderTable(['col.login', 'col.name', 'col.unit', 'col.roles', 'col.employer', 'col.status', 'col.devices', 'col.mfa'], people.map((p) => {
      const status = statusWord('person', p.status, this.lang);
      return [
        p.login, p.name, p.unit, p.roles.join(','), p.employer ?? '-', p.locked ? this.t('word.locked', { status }) : status,
        String(p.devices.filter((d) => d.status === 'active').length), p.mfa ? this.t('word.totp') : '-',
      ];
    }), this.lang));
  }
}
