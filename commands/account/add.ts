import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class AccountAdd extends GmvCommand<typeof AccountAdd> {
  static override summary = 'Register an official account (security officers and account admins).';
  static override description = 'Warns when the unit already has an account on the same platform (Art. 8). An account admin who registers an account gets a reveal,otp,manage grant on it.';
  static override examples = ['gmv account add --slug weibo-press --platform weibo --name "沈阳发布" --unit "新媒体科" --login-id 13800000000 --filing-number "辽网信备21010000001"'];
  static override flags = {
    slug: Flags.string({ description: 'Unique short id (lowercase words joined by hyphens)', required: true }),
    platform: Flags.string({ description: 'weibo, wechat-oa, wechat-channels, douyin, toutiao, kuaishou, bilibili, xiaohongshu, app, website, other', required: true }),
    name: Flags.string({ description: 'Display name on the platform', required: true }),
    unit: Flags.string({ description: 'Owning unit', required: true }),
    'login-id': Flags.string({ description: 'Handle or login id on the platform (not secret)' }),
    'filing-number': Flags.string({ description: 'Filing record number (备案号)' }),
    'filing-office': Flags.string({ description: 'Government office the account is filed with' }),
    'filed-on': Flags.string({ description: 'Filing date (YYYY-MM-DD)' }),
  };

  async run(): Promise<void> {
    const { addAccount } = await import('../../src/services/accounts.js');
    const actor = await this.sessionActor();
    const filedOn = this.civilDateFlag('filed-on', this.flags['filed-on']);
    const result = await addAccount(await this.vault(), actor, {
      slug: this.flags.slug, platform: this.flags.platform, name: this.flags.name, unit: this.flags.unit,
      loginId: this.flags['login-id'], filingNumber: this.flags['filing-number'], filingOffice: this.flags['filing-office'], filedOn,
    });
    for (const warning of result.warnings) this.note(this.t('warning', { text: warning }));
    for (const run of result.runs) this.note(this.t('filing.runOpened', { run: run.id, template: run.template, due: run.deadline ?? '?' }));
    this.emit(result, () => this.t('account.added', { slug: result.account.slug, platform: result.account.platform, unit: result.account.unit }));
  }
}
