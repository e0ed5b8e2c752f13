import { GmvCommand } from '../cli/base-command.js';

export default class Logout extends GmvCommand<typeof Logout> {
  static override summary = 'End the session on this terminal and record it in the audit log.';

  async run(): Promise<void> {
    const { endSession } = await import('../src/services/login.js');
    const session = await endSession(await this.vault(), await this.agentSocket(), true);
    this.emit({ loggedOut: session !== null, login: session?.login ?? null }, () => session ? this.t('session.loggedOut', { login: session.login }) : this.t('session.none'));
  }
}
