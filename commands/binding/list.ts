import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class BindingList extends GmvCommand<typeof BindingList> {
  static override summary = 'List platform-side bindings, by account or by person (e.g. before offboarding).';
  static override args = { slug: Args.string({ description: 'Only this account' }) };
  static override flags = { person: Flags.string({ description: 'Only this person\'s bindings' }) };

  async run(): Promise<void> {
    const [{ listBindings }, { civilDateOf }] = await Promise.all([import('../../src/services/bindings.js'), import('../../src/domain/dates.js')]);
    const bindings = await listBindings(await this.vault(), { slug: this.args.slug, person: this.flags.person });
    const today = civilDateOf(new Date());
    this.emit({ bindings }, () => renderTable(['#', 'account', 'role', 'who', 'bound on', 'until'], bindings.map((b) => [
      String(b.id), b.account, b.role, b.person ?? `${b.external} (external)`, b.boundOn, b.expiresOn ? `${b.expiresOn}${b.expiresOn < today ? ' (lapsed: unbind on the platform)' : ''}` : '-',
    ])));
  }
}
