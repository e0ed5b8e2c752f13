import { Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { GmvCommand } from '../cli/base-command.js';
import { readPassphrase } from '../cli/passphrase.js';

export default class Init extends GmvCommand<typeof Init> {
  static override summary = 'Create a vault: organisation, first unit, first security officer and the organisation key.';
  static override description = 'Refuses to touch an existing vault. The officer\'s passphrase comes from a hidden prompt or --passphrase-file (FILE or - for standard input), never from the command line. This terminal becomes the officer\'s first authorized device.';
  static override examples = [
    'printf "%s" "$PASS" | gmv init --org "沈阳市网信办" --unit "宣传科" --officer "李安" --login li.an --passphrase-file - --recovery-key-out /media/usb/recovery.asc',
    'gmv init … --recovery-key-out recovery --recovery-shares 5 --recovery-threshold 3   # recovery.1 … recovery.5',
  ];
  static override flags = {
    org: Flags.string({ description: 'Organisation name', required: true }),
    unit: Flags.string({ description: 'First unit (department)', required: true }),
    officer: Flags.string({ description: 'Full name of the first security officer', required: true }),
    login: Flags.string({ description: 'Login handle of the first security officer (e.g. li.an)', required: true }),
    'passphrase-file': Flags.string({ description: 'Read the officer passphrase from FILE, or - for standard input' }),
    'recovery-key-out': Flags.string({ description: 'Write the organisation recovery key (armored OpenPGP private key, mode 0600) here, for offline storage', required: true }),
    'recovery-shares': Flags.integer({ description: 'Split the recovery key into N Shamir shares (FILE.1 … FILE.N), one per officer', min: 2, max: 255, dependsOn: ['recovery-threshold'] }),
    'recovery-threshold': Flags.integer({ description: 'Any K of the N shares rebuild the recovery key', min: 2, max: 255, dependsOn: ['recovery-shares'] }),
    policy: Flags.string({ description: 'Policy pack (YAML) to record instead of the shipped default' }),
  };

  async run(): Promise<void> {
    const [{ initVault }, { shippedFile }, { parseCommonList }, { INPUT_LIMITS, readUtf8Text }] = await Promise.all([
      import('../src/services/init.js'), import('../src/package-root.js'), import('../src/policy/passphrase-rules.js'), import('../src/local/input-limits.js'),
    ]);
    const policyPath = this.flags.policy ?? shippedFile('policies', 'default.yaml');
    const policyText = readUtf8Text(policyPath, INPUT_LIMITS.policyPack, 'what.policyPack');
    const rules = this.passphraseRules(async () => (await import('../src/policy/policy.js')).parsePolicy(policyText, policyPath));
    const passphrase = await readPassphrase(this.flags['passphrase-file'], this.flags.login, this.lang, { confirm: true, purpose: 'new', rules });
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
      recovery: { out: this.flags['recovery-key-out'], shares: this.flags['recovery-shares'], threshold: this.flags['recovery-threshold'] },
    });
    passphrase.wipe();
    this.emit(result, () => [
      this.t('init.done', { location: result.location, org: result.org, unit: result.unit, login: result.login, fingerprint: result.orgFingerprint }),
      this.t('init.recoveryNote', { deviceFile: result.deviceFile, login: result.login }),
      this.t('init.recoveryFiles', { files: result.recoveryFiles.join(', '), fingerprint: result.recoveryFingerprint }),
    ]);
    this.note(this.t('staff.oneOfficer', { login: result.login }));
  }
}
