import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class NdaRecord extends GmvCommand<typeof NdaRecord> {
  static override summary = 'Record a signed confidentiality agreement (security officers, in a session): contractor staff need one in force before any access (measures art. 7).';
  static override description = 'The signing date is a China date, not after today; it counts for contractors.nda_validity_months of the pack. Keep the signed agreement itself on file: gmv records its SHA-256, size and name.';
  static override examples = ['gmv nda record chen.jing --signed 2026-11-18 --evidence nda-chen.jing.pdf'];
  static override args = {
    login: Args.string({ description: 'Login handle', required: true }),
  };
  static override flags = {
    signed: Flags.string({ description: 'Day the agreement was signed (YYYY-MM-DD, China time)', required: true }),
    evidence: Flags.string({ description: 'The signed agreement, or another evidence file (repeat for several)', multiple: true }),
  };

  async run(): Promise<void> {
    const [{ recordNda }, { hashEvidence }] = await Promise.all([import('../../src/services/training.js'), import('../../src/local/evidence.js')]);
    const signed = this.civilDateFlag('signed', this.flags.signed)!;
    const evidence = (this.flags.evidence ?? []).map(hashEvidence);
    const actor = await this.sessionActor();
    const r = await recordNda(await this.vault(), actor, this.args.login, signed, evidence);
    this.emit(r, () => r.lapsed ? this.t('nda.recordedLapsed', { login: r.login, on: r.on, lapsed: r.until! }) : this.t('nda.recorded', { login: r.login, on: r.on, until: r.until! }));
  }
}
