import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { readPassphrase } from '../../cli/passphrase.js';

export default class DeviceAddKey extends GmvCommand<typeof DeviceAddKey> {
  static override summary = 'Give your personal key to your newly approved terminal (run on a terminal where you can unlock).';
  static override description = 'Your key is encrypted to the new terminal\'s own key; its first `gmv login` seals it under the passphrase you type there. Your current passphrase is asked here.';
  static override args = { id: Args.string({ description: 'The new device id (see gmv device list)', required: true }) };
  static override flags = {
    login: Flags.string({ description: 'Your login handle (default: the session\'s person)' }),
    'passphrase-file': Flags.string({ description: 'Your passphrase on this terminal from FILE, or - for standard input' }),
    'totp-file': Flags.string({ description: 'With TOTP enrolled: the current code from FILE or -' }),
  };

  async run(): Promise<void> {
    const [{ addKeyToDevice }, { unlockPerson }] = await Promise.all([import('../../src/services/devices.js'), import('../../src/services/unlock.js')]);
    const vault = await this.vault();
    const login = this.flags.login ?? (await this.sessionActor()).login;
    const passphrase = await readPassphrase(this.flags['passphrase-file'], login, this.lang);
    const person = await unlockPerson(vault, login, passphrase, { totp: () => readPassphrase(this.flags['totp-file'], login, this.lang, { what: 'totp', flag: '--totp-file FILE|-' }) });
    passphrase.wipe();
    const result = await addKeyToDevice(vault, person, this.args.id);
    this.emit(result, () => this.t('device.keyAdded', { device: result.deviceId }));
  }
}
