import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { shown } from '../../src/domain/terminal-text.js';

export default class AccountShow extends GmvCommand<typeof AccountShow> {
  static override summary = 'Show one account: register data, which fields are stored, grants. Never prints secrets.';
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };

  async run(): Promise<void> {
    const { showAccount } = await import('../../src/services/accounts.js');
    const a = await showAccount(await this.vault(), this.args.slug);
    this.emit(a, () => [
      shown`${a.slug}  ${a.name}  (${a.platform}, ${a.status})`,
      shown`  unit: ${a.unit}`,
      shown`  login id: ${a.loginId ?? '-'}`,
      shown`  filing: ${a.filingNumber ?? '-'}${a.filedOn ? ` (${a.filedOn})` : ''}`,
      shown`  stored: ${a.fields.length ? `${a.fields.join(', ')} (version ${a.version})` : 'nothing yet'}${a.recoveryCodesLeft !== null ? `; ${a.recoveryCodesLeft} recovery codes left` : ''}`,
      shown`  grants: ${a.grantees.length ? a.grantees.map((g) => `${g.login} [${g.can.join(',')}${g.until ? ` until ${g.until.slice(0, 10)}` : ''}]`).join('; ') : 'none'}`,
      ...(a.rotationPending ? ['  rotation in progress'] : []),
    ]);
  }
}
