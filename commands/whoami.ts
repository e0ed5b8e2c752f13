import { GmvCommand } from '../cli/base-command.js';
import { isoChinaTime } from '../src/domain/dates.js';

export default class Whoami extends GmvCommand<typeof Whoami> {
  static override summary = 'Show the person logged in on this terminal and when the session ends.';

  async run(): Promise<void> {
    const [{ requireSession, request }, { GmvError }] = await Promise.all([import('../src/agent/client.js'), import('../src/errors.js')]);
    const socket = await this.agentSocket();
    await requireSession(socket);
    // Asked against the vault as it is now, so a course recorded or lapsed since the login shows.
    const response = await request(socket, { op: 'whoami', target: this.storeTarget() });
    if (!response || !response.ok) {
      if (response && !response.ok && response.code) throw new GmvError(response.code as import('../src/errors.js').ErrorCode, response.params ?? {});
      throw new GmvError('SESSION_REQUIRED', {});
    }
    const session = response.session!;
    const { noticeLines } = await import('../src/fast/notices.js');
    for (const line of noticeLines(session.notices, this.lang)) this.note(line);
    this.emit(session, () => this.t('session.whoami', { login: session.login, name: session.name, device: session.deviceId, idle: isoChinaTime(new Date(session.idleExpiresAt)), until: isoChinaTime(new Date(session.expiresAt)) }));
  }
}
