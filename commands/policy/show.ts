import { GmvCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';

export default class PolicyShow extends GmvCommand<typeof PolicyShow> {
  static override summary = 'Show the policy this vault enforces: each rule\'s value, where it came from (pack or override) and its citation.';
  static override examples = ['gmv policy show', 'gmv policy show --json'];

  async run(): Promise<void> {
    const { showPolicy } = await import('../../src/services/policy-show.js');
    const result = await showPolicy(await this.vault());
    const zh = this.lang === 'zh-CN';
    const text = (v: unknown) => typeof v === 'string' ? v : JSON.stringify(v);
    this.emit(result, () => [
      this.t('policy.show.pack', { name: result.pack.name, sha256: result.pack.sha256, at: result.pack.appliedAt }),
      ...(result.override ? [this.t('policy.show.override', { name: result.override.name, sha256: result.override.sha256, at: result.override.appliedAt })] : []),
      '',
      ...renderTable(
        ['col.rule', 'col.value', 'col.source', 'col.cite'],
        result.rules.map((r) => [r.rule, text(r.value), `${this.t(r.source === 'pack' ? 'policy.show.fromPack' : 'policy.show.fromOverride')} ${r.origin}`, zh ? r.cite.zh : r.cite.en]),
        this.lang,
      ),
    ]);
  }
}
