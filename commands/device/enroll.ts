import { Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { GmvCommand } from '../../cli/base-command.js';
import { readPassphrase } from '../../cli/passphrase.js';

export default class DeviceEnroll extends GmvCommand<typeof DeviceEnroll> {
  static override summary = 'On your own terminal: create this terminal\'s device key and ask for approval; prints the enrollment code to read to a security officer.';
  static override description = 'The first enrollment also creates your personal key pair, protected by your passphrase combined with this terminal\'s device key. On a later terminal no passphrase is asked: after approval, run `gmv device add-key ID` where you can unlock, then log in here.';
  static override examples = ['gmv device enroll --login zhang.wei --passphrase-file -', 'gmv device enroll --show-code --login zhang.wei'];
  static override flags = {
    login: Flags.string({ description: 'Your login handle', atLeastOne: ['login', 'show-code'] }),
    'show-code': Flags.boolean({ description: 'Show this terminal\'s pending enrollment code again (with --login, that person\'s, on a terminal people share)', atLeastOne: ['login', 'show-code'] }),
    'passphrase-file': Flags.string({ description: 'Your new passphrase from FILE, or - for standard input (default: hidden prompt)' }),
    label: Flags.string({ description: 'A name for this terminal (e.g. "office PC 3F-12")' }),
  };

  async run(): Promise<void> {
    const [{ enrollDevice }, { shippedFile }, { parseCommonList }] = await Promise.all([
      import('../../src/services/devices.js'), import('../../src/package-root.js'), import('../../src/policy/passphrase-rules.js'),
    ]);
    const vault = await this.vault();
    if (this.flags['show-code']) {
      const { pendingEnrollment } = await import('../../src/services/devices.js');
      const pending = await pendingEnrollment(vault, this.flags.login);
      this.emit(pending, () => this.t('device.showCode', { device: pending.deviceId, login: pending.login, code: pending.code }));
      return;
    }
    const login = this.flags.login!;
    let passphrase: import('../../src/crypto/secret.js').Secret | undefined;
    const result = await enrollDevice(vault, {
      login, label: this.flags.label,
      // Asked only on a first enrollment: a later terminal receives the existing key (gmv device add-key).
      passphrase: async () => (passphrase = await readPassphrase(this.flags['passphrase-file'], login, this.lang, { confirm: true, purpose: 'new', rules: this.passphraseRules() })),
      commonPasswords: parseCommonList(readFileSync(shippedFile('policies', 'common-passwords.txt'), 'utf8')),
    });
    passphrase?.wipe();
    this.emit(result, () => [
      this.t('device.enrolled', { code: result.code, device: result.deviceId, login: result.login }),
      ...(result.newPersonKey ? [] : [this.t('device.enrolledAdditional', { device: result.deviceId })]),
    ]);
  }
}
