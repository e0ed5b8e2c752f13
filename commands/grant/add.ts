import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class GrantAdd extends GmvCommand<typeof GrantAdd> {
  static override summary = 'Grant a person access to one or more accounts (security officers, in a session).';
  static override description = 'Wraps the current credential version for the person. Capabilities: reveal (see the credential; implies otp), otp (only TOTP codes), manage (set fields, rotate).';
  static override examples = ['gmv grant add zhang.wei weibo-press --can reveal,otp --until 2026-12-31', 'gmv grant add zhang.wei weibo-press douyin-press wechat-oa-main'];
  static override strict = false;
  static override args = {
    login: Args.string({ description: 'Login handle', required: true }),
    slug: Args.string({ description: 'Account slug (more may follow)', required: true }),
  };
  static override flags = {
    can: Flags.string({ description: 'Comma-separated: reveal, otp, manage', default: 'reveal,otp' }),
    until: Flags.string({ description: 'Grant ends at this date (YYYY-MM-DD, China time) or timestamp' }),
  };

  async run(): Promise<void> {
    const { addGrants, grantAddedLines, parseCapabilities } = await import('../../src/services/grants.js');
    const can = parseCapabilities(this.flags.can);
    const until = this.untilFlag('until', this.flags.until) ?? null;
    const slugs = this.positional.slice(1);
    const officer = await this.sessionActor();
    const { progressBar } = await import('../../cli/progress.js');
    const all = slugs.length ? slugs : [this.args.slug];
    const bar = await progressBar(this.t('progress.grant'), { json: this.jsonMode, quiet: this.flags.quiet, total: all.length });
    const grants = await addGrants(await this.vault(), officer, this.args.login, all, can, until, (done, total) => bar.update(done, total)).finally(() => bar.stop());
    this.emit({ grants }, () => grantAddedLines(grants, (key, params) => this.t(key, params)));
  }
}
