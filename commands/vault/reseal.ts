import { GmvCommand } from '../../cli/base-command.js';

export default class VaultReseal extends GmvCommand<typeof VaultReseal> {
  static override summary = 'Re-seal every account whose newest credential was sealed whole, field by field, so each grantee holds only the fields their grant opens (security officers).';
  static override description = 'Versions written before fields were sealed one by one hold every field under one key: an otp-only grantee\'s key opens the password too. This writes, through the organisation escrow, a new version of each such account with the same content, each field under its own key, wrapped per grant (otp: the TOTP seed alone). Earlier versions and their wraps stay on record; used recovery codes stay used. A rotation does the same for one account.';
  static override examples = ['gmv vault reseal', 'gmv vault reseal --json'];

  async run(): Promise<void> {
    const { resealVault } = await import('../../src/services/vault-reseal.js');
    const officer = await this.sessionActor();
    const r = await resealVault(await this.vault(), officer);
    this.emit(r, () => [
      this.t('reseal.done', { count: r.resealed.length, current: r.current }),
      ...r.resealed.map((a) => this.t('reseal.account', { account: a.slug, from: a.from, version: a.version, fields: a.fields.join(', ') })),
    ]);
  }
}
