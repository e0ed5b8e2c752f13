import { GmvCommand } from '../cli/base-command.js';

export default class Lock extends GmvCommand<typeof Lock> {
  static override summary = 'Forget the unlocked key now (the session agent wipes it and exits).';

  async run(): Promise<void> {
    const { endSession } = await import('../src/services/login.js');
    const session = await endSession(null, await this.agentSocket(), false);
    this.emit({ locked: session !== null, login: session?.login ?? null }, () => session ? this.t('session.locked', { login: session.login }) : this.t('session.none'));
  }
}
