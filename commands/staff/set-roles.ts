import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class StaffSetRoles extends GmvCommand<typeof StaffSetRoles> {
  static override summary = 'Replace a person\'s roles (security officers only). Demoting a security officer replaces the organisation key and device CA they held (gmv org rekey).';
  static override args = { login: Args.string({ description: 'Login handle', required: true }) };
  static override flags = { roles: Flags.string({ description: 'Comma-separated role ids', required: true }) };

  async run(): Promise<void> {
    const { setRoles, parseRoles } = await import('../../src/services/staff.js');
    const { rekeyLines } = await import('../../cli/rekey-lines.js');
    const roles = parseRoles(this.flags.roles);
    const actor = await this.sessionActor();
    const changed = await setRoles(await this.vault(), actor, this.args.login, roles);
    const { person, rekey } = changed;
    this.emit(changed, () => [this.t('staff.roles', { login: person.login, roles: person.roles.join(', ') }), ...(rekey ? rekeyLines((key, params) => this.t(key, params), rekey) : [])]);
  }
}
