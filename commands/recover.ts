import { Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { GmvCommand } from '../cli/base-command.js';
import { readPassphrase } from '../cli/passphrase.js';

export default class Recover extends GmvCommand<typeof Recover> {
  static override summary = 'Restore a security officer\'s access with the organisation recovery key, when every officer has lost theirs.';
  static override description = 'Creates a new personal key for the officer on this terminal and wraps the organisation and device-CA keys for it; the officer\'s old keys are retired. Loudly audited.';
  static override examples = ['gmv recover --login li.an --recovery-key /media/usb/recovery.asc', 'gmv recover --login li.an --share recovery.1 --share recovery.3 --share recovery.4'];
  static override flags = {
    login: Flags.string({ description: 'The security officer to restore', required: true }),
    'recovery-key': Flags.string({ description: 'The armored recovery key written by gmv init' }),
    share: Flags.string({ description: 'A recovery share file (repeat: any K of the N)', multiple: true }),
    'passphrase-file': Flags.string({ description: 'The officer\'s new passphrase from FILE, or - (default: hidden prompt)' }),
  };

  async run(): Promise<void> {
    const [{ recoverOfficer }, { shippedFile }, { parseCommonList }, { INPUT_LIMITS, readBoundedText }] = await Promise.all([
      import('../src/services/recover.js'), import('../src/package-root.js'), import('../src/policy/passphrase-rules.js'), import('../src/local/input-limits.js'),
    ]);
    const read = (path: string) => readBoundedText(path, INPUT_LIMITS.recoveryFile, 'what.recoveryKeyOrShare');
    const vault = await this.vault();
    const recoveryKey = this.flags['recovery-key'] ? read(this.flags['recovery-key']) : undefined;
    const shares = this.flags.share?.map(read);
    const passphrase = await readPassphrase(this.flags['passphrase-file'], this.flags.login, this.lang, { confirm: true, purpose: 'new', rules: this.passphraseRules() });
    const result = await recoverOfficer(vault, { login: this.flags.login, recoveryKey, shares, passphrase, commonPasswords: parseCommonList(readFileSync(shippedFile('policies', 'common-passwords.txt'), 'utf8')) });
    passphrase.wipe();
    this.note(this.t('recover.warning', { key: result.recoveryKey }));
    this.emit(result, () => this.t('recover.done', { login: result.login, device: result.deviceId }));
  }
}
