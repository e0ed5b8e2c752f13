import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class ImpersonationReport extends GmvCommand<typeof ImpersonationReport> {
  static override summary = 'Record a suspected counterfeit of one of the unit\'s accounts (measures art. 29) and open its case checklist: verify, ask the CAC and police for help, ask the platform to shut it down, report upward.';
  static override description = 'Anyone running the unit\'s accounts may report, in a session (auditors may not). You are recorded as the finder, the vault\'s clock as the time. Evidence files (screenshots, a saved page) are not stored: their SHA-256, size and name are. In the same transaction the pack\'s impersonation-case checklist is opened with its deadline in working days; a security officer records its steps (gmv checklist step), and the case closes when the run is signed and countersigned.';
  static override examples = [
    'gmv impersonation report --platform weibo --url https://weibo.com/u/7712345678 --account weibo-press --evidence screenshot.png',
    'gmv impersonation report --platform douyin --handle "沈阳发布官方" --note "reported by a reader" --json',
  ];
  static override flags = {
    platform: Flags.string({ description: 'Platform the counterfeit is on (weibo, wechat-oa, douyin, …)', required: true }),
    url: Flags.string({ description: 'Web address of the counterfeit (http or https)' }),
    handle: Flags.string({ description: 'Name or handle the counterfeit uses on the platform' }),
    account: Flags.string({ description: 'Slug of the unit\'s account it imitates' }),
    evidence: Flags.string({ description: 'An evidence file (repeat for several)', multiple: true }),
    note: Flags.string({ description: 'How it was found, what it posts' }),
  };

  async run(): Promise<void> {
    const [{ reportImpersonation }, { hashEvidence }, { statusWord }] = await Promise.all([
      import('../../src/services/impersonation.js'), import('../../src/local/evidence.js'), import('../../src/i18n/catalogue.js'),
    ]);
    const evidence = (this.flags.evidence ?? []).map(hashEvidence);
    const actor = await this.sessionActor();
    const r = await reportImpersonation(await this.vault(), actor, {
      platform: this.flags.platform, url: this.flags.url, handle: this.flags.handle, account: this.flags.account, note: this.flags.note, evidence,
    });
    const c = r.case;
    const lang = this.lang === 'zh-CN' ? 'zh' : 'en';
    if (c.run && c.run.deadline === null) this.note(this.t('checklist.unknownDeadline'));
    const where = [c.url, c.handle].filter(Boolean).join(' ');
    this.emit(r, () => c.run
      ? this.t('impersonation.reported', { id: c.id, platform: c.platform, where, run: c.run.id, title: c.run.title[lang], deadline: c.run.deadline ?? statusWord('due', 'unknown', this.lang) })
      : this.t('impersonation.reportedNoRun', { id: c.id, platform: c.platform, where }));
  }
}
