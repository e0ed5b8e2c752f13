import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class VaultSealState extends GmvCommand<typeof VaultSealState> {
  static override summary = 'Seal the roles, grants and policy a gmv before schema 16 left unsealed, and certify person keys from before schema 4, after verifying them against the signed audit log (security officers).';
  static override description = 'The rows that decide access (a person\'s roles and status, each grant, the policy in force) count only with a seal by the organisation key, and a person key only with the organisation\'s certification. Rows written by an older gmv have none, and every door refuses them (exit 6) until this runs once after the upgrade. It first verifies the whole audit log, including that the tables agree with it, and seals only then; rows that already carry a seal are left as they are. Since no door opens before, the officer unlocks here with --login and --passphrase-file.';
  static override examples = ['gmv vault seal-state --login li.an --passphrase-file -', 'gmv vault seal-state --json'];
  static override flags = {
    login: Flags.string({ description: 'Security officer who seals (without a session)' }),
    'passphrase-file': Flags.string({ description: 'Unlock --login here: passphrase from FILE, or - for standard input', dependsOn: ['login'] }),
    'totp-file': Flags.string({ description: 'With --passphrase-file, for people with TOTP: the current code from FILE or -' }),
  };

  async run(): Promise<void> {
    const { sealUnsealedState } = await import('../../src/services/state-seals.js');
    const r = await sealUnsealedState(await this.vault(), () => this.keyHolder(this.flags.login, this.flags['passphrase-file']), this.storeTarget());
    this.emit(r, () => this.t(r.policy ? 'sealState.donePolicy' : 'sealState.done', { people: r.people, grants: r.grants, keys: r.keys }));
  }
}
