import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { shown } from '../../src/domain/terminal-text.js';

export default class StaffShow extends GmvCommand<typeof StaffShow> {
  static override summary = 'Show one person: unit, employer, roles, status, devices, second factor.';
  static override args = { login: Args.string({ description: 'Login handle', required: true }) };

  async run(): Promise<void> {
    const { showStaff } = await import('../../src/services/staff.js');
    const p = await showStaff(await this.vault(), this.args.login);
    this.emit(p, () => [
      shown`${p.login}  ${p.name}`,
      shown`  unit: ${p.unit}`,
      shown`  employer: ${p.employer ?? 'in-house'}`,
      shown`  roles: ${p.roles.join(', ')}`,
      shown`  status: ${p.status}${p.locked ? ' (locked after failed logins)' : ''}`,
      shown`  second factor: ${p.mfa ? 'TOTP' : 'none'}`,
      shown`  devices: ${p.devices.length === 0 ? 'none' : p.devices.map((d) => `${d.id} (${d.status})`).join(', ')}`,
    ]);
  }
}
