import { Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { GmvCommand } from '../cli/base-command.js';
import { readPassphrase } from '../cli/passphrase.js';

export default class Init extends GmvCommand<typeof Init> {
  static override summary = 'Create a vault: organisation, first unit, first security officer and the organisation key.';
  static override description = 'Refuses to touch an existing vault. The officer\'s passphrase comes from a hidden prompt or --passphrase-file (FILE or - for standard input), never from the command line. This terminal becomes the officer\'s first authorized device.';
  static override examples = [
    'printf "%s" "$PASS" | gmv init --org "沈阳市网信办" --unit "宣传科" --officer "李安" --login li.an --passphrase-file -',
  ];
  static override flags = {
    org: Flags.string({ description: 'Organisation name', required: true }),
    unit: Flags.string({ description: 'First unit (department)', required: true }),
    officer: Flags.string({ description: 'Full name of the first security officer', required: true }),
    login: Flags.string({ description: 'Login handle of the first security officer (e.g. li.an)', required: true }),
    'passphrase-file': Flags.string({ description: 'Read the officer passphrase from FILE, or - for standard input' }),
    policy: Flags.string({ description: 'Policy pack (YAML) to record instead of the shipped default' }),
  };

  async run(): Promise<void> {
    const [{ initVault }, { shippedFile }, { parseCommonList }, { GmvError }] = await Promise.all([
      import('../src/services/init.js'), import('../src/package-root.js'), import('../src/policy/passphrase-rules.js'), import('../src/errors.js'),
    ]);
    const policyPath = this.flags.policy ?? shippedFile('policies', 'default.yaml');
    let policyText: string;
    try {
      policyText = readFileSync(policyPath, 'utf8');
    } catch {
      throw new GmvError('FILE_NOT_FOUND', { path: policyPath });
    }
    const passphrase = await readPassphrase(this.flags['passphrase-file'], this.flags.login, this.lang, { confirm: true });
    const result = await initVault({
      target: this.storeTarget(),
      paths: this.paths,
      org: this.flags.org,
      unit: this.flags.unit,
      officerName: this.flags.officer,
      login: this.flags.login,
      passphrase,
      policy: { text: policyText, source: this.flags.policy ? policyPath : 'default' },
      commonPasswords: parseCommonList(readFileSync(shippedFile('policies', 'common-passwords.txt'), 'utf8')),
    });
    passphrase.wipe();
    this.emit(result, () => [
      this.t('init.done', { location: result.location, org: result.org, unit: result.unit, login: result.login, fingerprint: result.orgFingerprint }),
      this.t('init.recoveryNote', { deviceFile: result.deviceFile, login: result.login }),
    ]);
  }
}
