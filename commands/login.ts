import { Flags } from '@oclif/core';
import { GmvCommand } from '../cli/base-command.js';
import { readPassphrase } from '../cli/passphrase.js';
import { isoChinaTime } from '../src/domain/dates.js';

export default class Login extends GmvCommand<typeof Login> {
  static override summary = 'Unlock your key on this authorized terminal and start a session (an agent holds the key in memory only).';
  static override description = 'The session ends after the policy\'s idle time or maximum lifetime, or with gmv lock / gmv logout. With TOTP enrolled, a one-time code is also needed; each code is accepted once. Failed logins are throttled and, after the policy\'s limit, locked until a security officer unlocks the person.';
  static override examples = ['gmv login --login zhang.wei', 'gmv login --login zhang.wei --passphrase-file - --totp-file code.txt'];
  static override flags = {
    login: Flags.string({ description: 'Your login handle', required: true }),
    'passphrase-file': Flags.string({ description: 'Passphrase from FILE, or - for standard input (default: hidden prompt)' }),
    'totp-file': Flags.string({ description: 'One-time code from FILE, or - for standard input (only when TOTP is enrolled)' }),
  };

  async run(): Promise<void> {
    const { loginPerson } = await import('../src/services/login.js');
    const vault = await this.vault();
    const passphrase = await readPassphrase(this.flags['passphrase-file'], this.flags.login, this.lang);
    const session = await loginPerson(vault, {
      login: this.flags.login,
      passphrase,
      totp: () => readPassphrase(this.flags['totp-file'], this.flags.login, this.lang, { flag: '--totp-file FILE|-', what: 'totp' }),
      socketPath: await this.agentSocket(),
      paths: this.paths,
    });
    passphrase.wipe();
    const { noticeLines } = await import('../src/fast/notices.js');
    for (const line of noticeLines(session.notices, this.lang)) this.note(line);
    this.emit(session, () => this.t('session.started', { login: session.login, idle: isoChinaTime(new Date(session.idleExpiresAt)), until: isoChinaTime(new Date(session.expiresAt)) }));
  }
}
