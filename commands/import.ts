import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../cli/base-command.js';
import { renderTable } from '../cli/table.js';

export default class Import extends GmvCommand<typeof Import> {
  static override summary = 'Import accounts from a Bitwarden export (JSON or CSV), a KeePassXC CSV export or a list of otpauth:// URIs.';
  static override description = 'All or nothing: malformed rows are listed by line and nothing is imported. --dry-run shows what would be created and what of each row is not kept. Platforms are recognised from login URLs; slugs come from the names (Chinese ones in pinyin), or from --slug-map. Password, login, TOTP and notes are kept. Delete the export file afterwards: it holds your passwords in clear.';
  static override examples = ['gmv import bitwarden bitwarden_export.json --dry-run', 'gmv import keepassxc keepass.csv --unit 宣传科 --grant zhang.wei', 'gmv import keepassxc keepass.csv --slug-map slugs.csv', 'gmv import otpauth codes.txt --platform weibo'];
  static override args = {
    format: Args.string({ options: ['bitwarden', 'keepassxc', 'otpauth'], description: 'Where the file comes from', required: true }),
    file: Args.string({ description: 'The export file', required: true }),
  };
  static override flags = {
    unit: Flags.string({ description: 'Unit that owns the imported accounts (default: yours, or the only unit)' }),
    platform: Flags.string({ description: 'Platform when the URL does not tell (default: other)' }),
    'dry-run': Flags.boolean({ description: 'Show what would be created; change nothing', default: false }),
    'slug-map': Flags.string({ description: 'CSV file of "title,slug" lines: the slug to give the account of each title named' }),
    grant: Flags.string({ description: 'Also grant every imported account to this person, in the same change (repeatable)', multiple: true }),
    can: Flags.string({ description: 'What --grant allows: reveal, otp, manage (comma-separated)', default: 'reveal,otp' }),
  };

  async run(): Promise<void> {
    const [{ planImport, applyImport, parseSlugMap }, { GmvError }, { INPUT_LIMITS, readUtf8Text }, { parseCapabilities }, { progressBar }] = await Promise.all([import('../src/services/import.js'), import('../src/errors.js'), import('../src/local/input-limits.js'), import('../src/services/grants.js'), import('../cli/progress.js')]);
    const can = parseCapabilities(this.flags.can);
    const slugMap = this.flags['slug-map'] ? parseSlugMap(readUtf8Text(this.flags['slug-map'], INPUT_LIMITS.importFile, 'what.slugMapFile')) : undefined;
    const text = readUtf8Text(this.args.file, INPUT_LIMITS.importFile, 'what.importFile');
    const format = this.args.format === 'keepassxc' ? 'keepassxc-csv' : this.args.format === 'otpauth' ? 'otpauth' : text.trimStart().startsWith('{') ? 'bitwarden-json' : 'bitwarden-csv';
    const vault = await this.vault();
    // A real import needs a session; a dry run uses one if there is one (for the default unit).
    const actor = this.flags['dry-run'] ? await this.optionalSessionActor() : await this.sessionActor();
    const plan = await planImport(vault, format, text, { unit: this.flags.unit, platform: this.flags.platform, personId: actor?.personId, slugMap });
    // A row's reason in the reader's language, and its catalogue key (less "detail.") for scripts.
    const rows = (list: typeof plan.errors) => list.map((e) => ({ line: e.line, code: e.reason.replace(/^detail\./, ''), reason: this.t(e.reason, e.params) }));
    const summary = { format, dryRun: this.flags['dry-run'], accounts: plan.accounts, errors: rows(plan.errors), skipped: rows(plan.skipped) };
    if (!this.jsonMode) {
      for (const e of [...plan.errors, ...plan.skipped].sort((a, b) => a.line - b.line)) this.note(this.t('import.rowError', { ...e.params, line: e.line, reason: e.reason }));
    }
    // Rows in error refuse the import; so does an export with nothing to import, most often the
    // wrong file or the wrong format named.
    const refusal = plan.errors.length > 0 ? new GmvError('INVALID_INPUT', { what: 'what.import', detail: 'detail.importRowsBad', count: plan.errors.length })
      : plan.accounts.length === 0 ? new GmvError('INVALID_INPUT', { what: this.args.file, detail: plan.skipped.length > 0 ? 'detail.importAllSkipped' : 'detail.importNoEntries', format: this.args.format })
        : null;
    if (refusal) {
      if (!this.jsonMode) throw refusal;
      // One JSON document: the plan with its row errors and skipped rows, and the error itself.
      this.emit({ ...summary, error: { code: refusal.code, exit: refusal.exitCode, message: refusal.localized(this.lang) } }, () => '');
      return this.exit(refusal.exitCode);
    }
    if (this.flags['dry-run']) {
      this.emit(summary, () => [this.t('import.dryRun', { count: plan.accounts.length }),
        ...renderTable(['col.line', 'col.slug', 'col.platform', 'col.name', 'col.fields', 'col.notKept'], plan.accounts.map((a) => [String(a.line), a.slug, a.platform, a.name, a.fields.join(','), a.notKept.map((c) => (c === 'url' ? this.t('import.notKept.url') : c)).join(', ')]), this.lang),
        ...(plan.accounts.some((a) => a.notKept.length) ? [this.t('import.notKeptNote')] : [])]);
      return;
    }
    const bar = await progressBar(this.t('progress.import'), { json: this.jsonMode, quiet: this.flags.quiet, total: plan.accounts.length });
    const result = await applyImport(vault, actor!, plan, { grant: this.flags.grant, can, onProgress: (done, total) => bar.update(done, total) }).finally(() => bar.stop());
    this.emit({ ...summary, created: result.created, granted: result.granted }, () => [this.t('import.done', { count: result.created, unit: plan.unit }), ...(result.granted.length ? [this.t('import.granted', { count: result.created, logins: result.granted.join(', ') })] : [])]);
  }
}
