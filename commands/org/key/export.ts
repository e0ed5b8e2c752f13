import { GmvCommand } from '../../../cli/base-command.js';

export default class OrgKeyExport extends GmvCommand<typeof OrgKeyExport> {
  static override summary = 'Print the organisation\'s OpenPGP public key (armored), for auditors.';
  static override examples = ['gmv org key export > org-key.asc && gpg --import org-key.asc'];

  async run(): Promise<void> {
    const { exportOrgKey } = await import('../../../src/services/org-key-export.js');
    const key = await exportOrgKey(await this.vault());
    if (this.jsonMode) this.emit({ fingerprint: key.fingerprint, armored: key.armored }, () => '');
    else {
      process.stdout.write(key.armored.endsWith('\n') ? key.armored : `${key.armored}\n`);
      this.note(this.t('orgKey.fingerprint', { fingerprint: key.fingerprint }));
    }
  }
}
