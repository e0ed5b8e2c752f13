import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class StaffUnlock extends GmvCommand<typeof StaffUnlock> {
  static override summary = 'Lift a person\'s lock-out after too many failed logins (security officers only).';
  static override args = { login: Args.string({ description: 'Login handle', required: true }) };

  async run(): Promise<void> {
    const { unlockStaff } = await import('../../src/services/staff.js');
    const actor = await this.sessionActor();
    const p = await unlockStaff(await this.vault(), actor, this.args.login);
    this.emit({ person: p }, () => this.t('staff.unlocked', { login: p.login }));
  }
}
