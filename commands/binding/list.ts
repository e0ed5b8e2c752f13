import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { civilDateOf } from '../../src/domain/dates.js';

export default class BindingList extends GmvCommand<typeof BindingList> {
  static override summary = 'List platform-side bindings, by account or by person (e.g. before offboarding).';
  static override args = { slug: Args.string({ description: 'Only this account' }) };
  static override flags = { person: Flags.string({ description: 'Only this person\'s bindings' }) };

  async run(): Promise<void> {
    const { listBindings } = await import('../../src/services/bindings.js');
    const bindings = await listBindings(await this.vault(), { slug: this.args.slug, person: this.flags.person });
    const today = civilDateOf(new Date());
    this.emit({ bindings }, () => renderTable(['col.number', 'col.account', 'col.role', 'col.who', 'col.boundOn', 'col.until'], bindings.map((b) => [
      String(b.id), b.slug, b.role, b.login ?? this.t('word.external', { name: b.external ?? '' }), b.boundOn,
      b.until ? (b.until < today ? this.t('word.lapsed', { date: b.until }) : b.until) : '-',
    ]), this.lang));
  }
}
