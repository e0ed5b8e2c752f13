import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class StaffOffboard extends GmvCommand<typeof StaffOffboard> {
  static override summary = 'Offboard a departing person (security officers, in a session): revoke everything, queue what they could read for rotation, open the offboarding checklist (measures art. 25).';
  static override description = 'In one transaction: every grant ends, every terminal is revoked on a new CRL, their keys are retired (their session is refused at its next command, and a checkpoint their key signs afterwards fails audit verify). Every account they could ever decrypt — through grants removed long ago and through the organisation key if they were an officer — is queued for rotation with reason departure, the fields to rotate and the pack\'s deadline in working days. Their platform-side bindings are listed for unbinding on the platform. A security officer held the organisation key and the device CA: both are replaced in the same transaction (as gmv org rekey does). The offboarding record is signed by your key. gmv staff show HANDLE then lists what is still open.';
  static override examples = ['gmv staff offboard zhang.wei', 'gmv staff offboard zhang.wei --effective 2026-11-30 --json'];
  static override args = { login: Args.string({ description: 'Login handle of the person leaving', required: true }) };
  static override flags = {
    effective: Flags.string({ description: 'Day the departure took effect (YYYY-MM-DD, China time; default today; not after today)' }),
  };

  async run(): Promise<void> {
    const { offboardStaff } = await import('../../src/services/offboarding.js');
    const { rekeyLines } = await import('../../cli/rekey-lines.js');
    const effective = this.civilDateFlag('effective', this.flags.effective);
    const officer = await this.sessionActor();
    const r = await offboardStaff(await this.vault(), officer, this.args.login, effective);
    this.emit(r, () => {
      const queued = r.exposed.filter((e) => e.due !== null);
      return [
        this.t('offboard.done', { login: r.login, effective: r.effective, grants: r.grantsEnded, devices: r.devicesRevoked.length, crl: r.crlNumber ?? '-', keys: r.keysRetired.length }),
        this.t('offboard.queued', { count: queued.length, due: r.deadline ?? this.t('offboard.dueToday') }),
        ...queued.map((e) => this.t('offboard.account', { account: e.slug, fields: e.fields.join(', '), revealed: e.revealed.length ? e.revealed.join(', ') : this.t('word.none') })),
        ...r.bindings.map((b) => this.t('offboard.binding', { account: b.slug, role: b.role, external: b.external ?? r.login, id: b.id })),
        ...(r.rekey ? rekeyLines((key, params) => this.t(key, params), r.rekey) : []),
        r.run ? this.t('offboard.next', { run: r.run, login: r.login }) : this.t('offboard.nextNoRun', { login: r.login }),
      ];
    });
  }
}
