import { GmvCommand } from '../cli/base-command.js';
import { isoChinaTime } from '../src/domain/dates.js';

export default class Whoami extends GmvCommand<typeof Whoami> {
  static override summary = 'Show the person logged in on this terminal and when the session ends.';

  async run(): Promise<void> {
    const { requireSession } = await import('../src/agent/client.js');
    const { session } = await requireSession(await this.agentSocket());
    this.emit(session, () => this.t('session.whoami', { login: session.login, name: session.name, device: session.deviceId, idle: isoChinaTime(new Date(session.idleExpiresAt)), until: isoChinaTime(new Date(session.expiresAt)) }));
  }
}
