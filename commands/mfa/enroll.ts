import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { readPassphrase } from '../../cli/passphrase.js';

export default class MfaEnroll extends GmvCommand<typeof MfaEnroll> {
  static override summary = 'Enroll a TOTP authenticator as your second login factor (in your session).';
  static override description = 'Shows an otpauth:// URI and a QR code for your authenticator app. On a terminal it then asks for a code to confirm; in scripts run it again with --confirm --totp-file FILE|-.';
  static override flags = {
    confirm: Flags.boolean({ description: 'Confirm the pending enrollment with a current code', default: false }),
    'totp-file': Flags.string({ description: 'The code from FILE, or - for standard input' }),
  };

  async run(): Promise<void> {
    const { startMfaEnrollment, confirmMfaEnrollment } = await import('../../src/services/mfa.js');
    const vault = await this.vault();
    const actor = await this.sessionActor();
    if (this.flags.confirm) {
      const code = await readPassphrase(this.flags['totp-file'], actor.login, this.lang, { flag: '--totp-file FILE|-', what: 'totp' });
      await confirmMfaEnrollment(vault, actor, code);
      this.emit({ status: 'active' }, () => this.t('mfa.active', { login: actor.login }));
      return;
    }
    const enrollment = await startMfaEnrollment(vault, actor);
    if (this.jsonMode) {
      this.emit({ status: enrollment.status, uri: enrollment.uri }, () => '');
      return;
    }
    const { toString } = await import('qrcode');
    process.stdout.write(`${await toString(enrollment.uri, { type: 'terminal', small: true })}\n${enrollment.uri}\n`);
    if (process.stdin.isTTY && process.stdout.isTTY && this.flags['totp-file'] === undefined) {
      const code = await readPassphrase(undefined, actor.login, this.lang, { what: 'totp' });
      await confirmMfaEnrollment(vault, actor, code);
      this.emit({ status: 'active' }, () => this.t('mfa.active', { login: actor.login }));
    } else if (this.flags['totp-file'] !== undefined) {
      const code = await readPassphrase(this.flags['totp-file'], actor.login, this.lang, { what: 'totp' });
      await confirmMfaEnrollment(vault, actor, code);
      this.emit({ status: 'active' }, () => this.t('mfa.active', { login: actor.login }));
    } else {
      this.note(this.t('mfa.pending'));
    }
  }
}
