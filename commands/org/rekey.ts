import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class OrgRekey extends GmvCommand<typeof OrgRekey> {
  static override summary = 'Replace the organisation key and the device CA, so keys a former officer held open nothing written afterwards (security officers).';
  static override description = 'One change: a new organisation key and device CA wrapped for the security officers in office and the recovery keys; every escrow re-wrapped under the new key; every person and terminal key certified again and every active terminal\'s certificate re-issued; a transition statement signed by the old and new organisation keys and the old CA, which auditors pinned to the old key and terminals pinned to the old CA follow. Offboarding or demoting a security officer runs it by itself.';
  static override examples = ['gmv org rekey --reason "routine yearly re-key"'];
  static override flags = { reason: Flags.string({ description: 'Why (recorded in the audit log and the transition statement)', default: 'manual' }) };

  async run(): Promise<void> {
    const { rekeyOrg } = await import('../../src/services/org-rekey.js');
    const { rekeyLines } = await import('../../cli/rekey-lines.js');
    const officer = await this.sessionActor();
    const r = await rekeyOrg(await this.vault(), officer, this.flags.reason);
    this.emit({ rekey: r }, () => rekeyLines((key, params) => this.t(key, params), r));
  }
}
