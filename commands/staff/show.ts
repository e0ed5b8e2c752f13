import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class StaffShow extends GmvCommand<typeof StaffShow> {
  static override summary = 'Show one person: unit, employer, roles, status, devices, second factor.';
  static override args = { login: Args.string({ description: 'Login handle', required: true }) };

  async run(): Promise<void> {
    const { showStaff } = await import('../../src/services/staff.js');
    const p = await showStaff(await this.vault(), this.args.login);
    this.emit(p, () => [
      `${p.login}  ${p.name}`,
      `  unit: ${p.unit}`,
      `  employer: ${p.employer ?? 'in-house'}`,
      `  roles: ${p.roles.join(', ')}`,
      `  status: ${p.status}${p.locked ? ' (locked after failed logins)' : ''}`,
      `  second factor: ${p.mfa ? 'TOTP' : 'none'}`,
      `  devices: ${p.devices.length === 0 ? 'none' : p.devices.map((d) => `${d.id} (${d.status})`).join(', ')}`,
    ]);
  }
}
