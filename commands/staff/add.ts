import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class StaffAdd extends GmvCommand<typeof StaffAdd> {
  static override summary = 'Add a person (security officers only). They start as onboarding until their first device is approved.';
  static override examples = ['gmv staff add --login zhang.wei --name "张伟" --unit "宣传科" --roles account-admin,editor', 'gmv staff add --login wang.fang --name "王芳" --unit "宣传科" --roles editor --employer "某某文化传媒有限公司"'];
  static override flags = {
    login: Flags.string({ description: 'Unique login handle (lowercase, e.g. zhang.wei)', required: true }),
    name: Flags.string({ description: 'Full name', required: true }),
    unit: Flags.string({ description: 'Unit (department) the person works for', required: true }),
    roles: Flags.string({ description: 'Comma-separated: security-officer, account-admin, editor, reviewer, tech-support, auditor, leader', required: true }),
    employer: Flags.string({ description: 'Contractor agency employing the person (omit for in-house staff; Art. 7)' }),
  };

  async run(): Promise<void> {
    const { addStaff, parseRoles } = await import('../../src/services/staff.js');
    const roles = parseRoles(this.flags.roles);
    const actor = await this.sessionActor();
    const person = await addStaff(await this.vault(), actor, { login: this.flags.login, name: this.flags.name, unit: this.flags.unit, roles, employer: this.flags.employer });
    this.emit({ person }, () => this.t('staff.added', { login: person.login, name: person.name, unit: person.unit, roles: person.roles.join(', ') }));
  }
}
