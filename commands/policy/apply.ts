import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class PolicyApply extends GmvCommand<typeof PolicyApply> {
  static override summary = 'Switch the vault to another policy pack, or lay an override file over its pack (security officer).';
  static override description = 'The file is checked first (as gmv policy validate does, and an override together with the pack it lays over); a bad file is refused (exit 11) and the vault keeps its policy. The file\'s SHA-256 and text are recorded in the vault with a policy.apply audit entry; every command after it enforces the new values. Applying a pack drops the override.';
  static override examples = ['gmv policy apply policies/shenyang-2021.yaml', 'gmv policy apply local-override.yaml --login li.an --passphrase-file -'];
  static override args = { file: Args.string({ description: 'Policy pack or override file (YAML)', required: true }) };
  static override flags = {
    login: Flags.string({ description: 'Security officer who applies it (without a session)' }),
    'passphrase-file': Flags.string({ description: 'Unlock --login here: passphrase from FILE, or - for standard input', dependsOn: ['login'] }),
    'totp-file': Flags.string({ description: 'With --passphrase-file, for people with TOTP: the current code from FILE or -' }),
  };

  async run(): Promise<void> {
    const [{ applyPolicy }, { INPUT_LIMITS, readUtf8Text }] = await Promise.all([import('../../src/services/policy-apply.js'), import('../../src/local/input-limits.js')]);
    const file = this.args.file;
    const text = readUtf8Text(file, INPUT_LIMITS.policyPack, 'what.policyPack');
    const vault = await this.vault();
    const actor = await this.keyHolder(this.flags.login, this.flags['passphrase-file']);
    const result = await applyPolicy(vault, { actor, file: { text, source: file } });
    this.emit(result, () => this.t(result.kind === 'pack' ? 'policy.apply.pack' : 'policy.apply.override', { name: result.name, pack: result.pack, sha256: result.sha256 }));
  }
}
