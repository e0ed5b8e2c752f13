import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ChecklistVerify extends GmvCommand<typeof ChecklistVerify> {
  static override summary = 'Check an exported run offline, with nothing but its folder: signatures, key certifications, the audit entries in the signed checkpoint, and the record against the log.';
  static override description = 'Pin the organisation key you trust with --org-key; without it the folder\'s own org-key.asc is used and the output says so. A key pinned before a re-key is followed to the current one through the signed hand-overs in org-chain.json. Any failure is exit 6, naming what is wrong.';
  static override args = { dir: Args.string({ description: 'The exported folder', required: true }) };
  static override flags = { 'org-key': Flags.string({ description: 'The organisation public key you trust (armored)' }) };

  async run(): Promise<void> {
    const [{ verifyRunFolder }, { INPUT_LIMITS, readBoundedText }] = await Promise.all([import('../../src/services/checklist-verify.js'), import('../../src/local/input-limits.js')]);
    const orgKey = this.flags['org-key'] ? readBoundedText(this.flags['org-key'], INPUT_LIMITS.recoveryFile, 'what.orgPublicKey') : undefined;
    const v = await verifyRunFolder(this.args.dir, { orgKey });
    this.emit({ ok: true, ...v }, () => this.t('checklist.verified', {
      id: v.id, template: v.template, performer: v.performer, countersigner: v.countersigner ? this.t('checklist.verifiedCountersigner', { login: v.countersigner }) : '',
      steps: v.steps, entries: v.entries, size: v.checkpointSize, vault: v.vault, pinned: !v.orgKeyPinned ? this.t('checklist.notPinned') : v.rekeys > 0 ? this.t('checklist.pinnedChain', { count: v.rekeys, fingerprint: v.orgFingerprint }) : '',
    }));
  }
}
