import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderFields } from '../../cli/table.js';
import { formatChinaTime } from '../../src/domain/dates.js';

export default class AccountShow extends GmvCommand<typeof AccountShow> {
  static override summary = 'Show one account: register data, which fields are stored, grants. Never prints secrets.';
  static override args = { slug: Args.string({ description: 'Account slug, or its display name when only one account has it', required: true }) };

  async run(): Promise<void> {
    const { showAccount } = await import('../../src/services/accounts.js');
    const a = await showAccount(await this.vault(), this.args.slug);
    const { statusWord } = await import('../../src/i18n/catalogue.js');
    this.emit({ account: a }, () => [
      this.t('word.accountTitle', { slug: a.slug, name: a.name, platform: a.platform, status: statusWord('account', a.status, this.lang) }),
      ...renderFields([
        ['field.unit', a.unit],
        ['field.loginId', a.loginId ?? '-'],
        ['field.filing', `${a.filingNumber ?? '-'}${a.filedOn ? ` (${a.filedOn})` : ''}${a.filingOffice ? `, ${a.filingOffice}` : ''}`],
        ...(a.closure ? [['field.closure', this.t('word.closure', { announced: a.closure.announcedOn, notBefore: a.closure.notBefore })] as ['field.closure', string]] : []),
        ['field.stored', `${a.fields.length ? this.t('word.storedVersion', { fields: a.fields.join(', '), version: a.version ?? '-' }) : this.t('word.nothingYet')}${a.recoveryCodesLeft !== null ? this.t('word.recoveryLeft', { left: a.recoveryCodesLeft }) : ''}`],
        ['field.grants', a.grantees.length ? a.grantees.map((g) => `${g.login} [${g.can.join(',')}${g.until ? this.t('word.grantUntil', { until: formatChinaTime(new Date(g.until)) }) : ''}]`).join('; ') : this.t('word.none')],
      ], this.lang),
      ...(a.rotationPending ? [this.t('word.rotationInProgress')] : []),
    ]);
  }
}
