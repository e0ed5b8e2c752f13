import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class GrantRemove extends GmvCommand<typeof GrantRemove> {
  static override summary = 'Remove a person\'s grant on an account; the account is queued for rotation (they may remember the password).';
  static override args = {
    login: Args.string({ description: 'Login handle', required: true }),
    slug: Args.string({ description: 'Account slug', required: true }),
  };

  async run(): Promise<void> {
    const { removeGrant } = await import('../../src/services/grants.js');
    const officer = await this.sessionActor();
    const r = await removeGrant(await this.vault(), officer, this.args.login, this.args.slug);
    this.emit(r, () => this.t('grant.removed', { login: r.login, account: r.slug, due: r.rotationDue }));
  }
}
