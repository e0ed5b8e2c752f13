import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class BindingAdd extends GmvCommand<typeof BindingAdd> {
  static override summary = 'Record who is bound to an account on the platform itself (admin, long-term or short-term operator).';
  static override examples = ['gmv binding add wechat-main --role admin --person li.an', 'gmv binding add wechat-main --role short-term-operator --external "外包公司 小王"'];
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    role: Flags.option({ options: ['admin', 'long-term-operator', 'short-term-operator'] as const, description: 'Role on the platform', required: true })(),
    person: Flags.string({ description: 'Staff login handle' }),
    external: Flags.string({ description: 'Name of someone outside the vault' }),
    'bound-on': Flags.string({ description: 'When the binding was made (YYYY-MM-DD, China time; default today)' }),
    until: Flags.string({ description: 'When it lapses (YYYY-MM-DD; short-term operators: 30 days by default)' }),
  };

  async run(): Promise<void> {
    const { addBinding } = await import('../../src/services/bindings.js');
    const boundOn = this.civilDateFlag('bound-on', this.flags['bound-on']);
    const expiresOn = this.civilDateFlag('until', this.flags.until);
    const actor = await this.sessionActor();
    const b = await addBinding(await this.vault(), actor, { slug: this.args.slug, role: this.flags.role, person: this.flags.person, external: this.flags.external, boundOn, expiresOn });
    this.emit({ binding: b }, () => this.t('binding.added', { id: b.id, who: b.login ?? b.external ?? '?', role: b.role, account: b.slug }));
  }
}
