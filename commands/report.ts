import { basename } from 'node:path';
import { Flags } from '@oclif/core';
import { GmvCommand } from '../cli/base-command.js';

export default class Report extends GmvCommand<typeof Report> {
  static override summary = 'The compliance report per unit and per article of the pack in force, signed (FILE.sig beside it) by the officer or auditor in the session.';
  static override description = 'Training and agreements (and who lapses within 30 days), rotations (departures first), checklists overdue, failed, unsigned or uncountersigned, unfiled accounts, open counterfeit cases, terminals, and the audit log verified from scratch. Each finding cites its article and says what to do. The JSON shape is documented in docs/REPORT.md.';
  static override examples = [
    'gmv report --format html --out report.html',
    'gmv report --unit 宣传科 --as-of 2026-12-31 --format md --out q4.md --lang zh-CN',
    'gmv report --format json --out report.json --login wang.fang --passphrase-file ~/.gmv-pass',
  ];
  static override flags = {
    format: Flags.option({ options: ['md', 'html', 'json'] as const, description: 'md (reads in a terminal), html (one self-contained page) or json (docs/REPORT.md)', required: true })(),
    out: Flags.string({ description: 'A new file; its signature goes to FILE.sig and the signer\'s public key to FILE.signer.asc', required: true }),
    unit: Flags.string({ description: 'Only this unit (vault-wide findings are still shown)' }),
    'as-of': Flags.string({ description: 'Judge deadlines and validity as of this China day (YYYY-MM-DD; default today)' }),
    login: Flags.string({ description: 'Security officer or auditor who signs (without a session, e.g. from cron)' }),
    'passphrase-file': Flags.string({ description: 'Unlock --login here: passphrase from FILE, or - for standard input', dependsOn: ['login'] }),
    'totp-file': Flags.string({ description: 'With --passphrase-file, for people with TOTP: the current code from FILE or -' }),
  };

  async run(): Promise<void> {
    const [{ generateReport }, { renderReport }, { checkOutputPath }, { writeOutput }] = await Promise.all([
      import('../src/services/report.js'), import('../src/domain/report-render.js'), import('../src/local/output-path.js'), import('../cli/output-file.js'),
    ]);
    const out = this.flags.out;
    const asOf = this.civilDateFlag('as-of', this.flags['as-of']);
    // Every file is checked before any work: a typo in --out costs nothing, and nothing is overwritten.
    const files = { report: out, signature: `${out}.sig`, key: `${out}.signer.asc` };
    for (const path of Object.values(files)) checkOutputPath(path);
    const actor = await this.keyHolder(this.flags.login, this.flags['passphrase-file']);
    const format = this.flags.format;
    const signed = await generateReport(await this.vault(), actor, { unit: this.flags.unit, asOf, lang: this.lang, target: this.storeTarget(), format }, (data) => renderReport(data, format, basename(out)));
    writeOutput(files.report, signed.bytes);
    writeOutput(files.signature, signed.signature);
    writeOutput(files.key, signed.signerKey);
    const breaches = signed.data.findings.filter((f) => f.level === 'breach').length;
    const warnings = signed.data.findings.length - breaches;
    this.emit({ path: files.report, signature: files.signature, signerKey: files.key, sha256: signed.sha256, asOf: signed.data.asOf, breaches, warnings, signedBy: signed.data.signedBy },
      () => this.t('report.written', { path: files.report, sig: files.signature, breaches, warnings, asOf: signed.data.asOf }));
  }
}
