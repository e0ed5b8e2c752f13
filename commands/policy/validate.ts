import { Args } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import { ExitCode, GmvError } from '../../src/errors.js';

export default class PolicyValidate extends GmvCommand<typeof PolicyValidate> {
  static override summary = 'Check a policy pack or override file; every problem is reported with its line and column.';
  static override description = 'Checks types, unknown keys, anchored and safe patterns, references to courses, roles and checklist templates, cycles between templates, and the floors no pack may go below (audit retention, the argon2id cost, lock-out). Needs no vault. Exit 11 when the file has problems.';
  static override examples = ['gmv policy validate policies/shenyang-2021.yaml', 'gmv policy validate local-override.yaml --json'];
  static override args = { file: Args.string({ description: 'Policy pack or override file (YAML)', required: true }) };

  async run(): Promise<void> {
    const [{ checkPolicyFile }, { INPUT_LIMITS, readUtf8Text }] = await Promise.all([import('../../src/policy/policy.js'), import('../../src/local/input-limits.js')]);
    const file = this.args.file;
    const check = await checkPolicyFile(readUtf8Text(file, INPUT_LIMITS.policyPack, 'what.policyPack'), file);
    const problems = check.problems.map((p) => ({ path: p.path, line: p.line, column: p.column, code: p.problem.replace(/^detail\./, ''), message: this.t(p.problem, p.params) }));
    if (problems.length === 0) {
      this.emit({ file, valid: true, kind: check.kind, name: check.name, problems }, () => this.t(check.kind === 'pack' ? 'policy.validate.pack' : 'policy.validate.override', { file, name: check.name }));
      return;
    }
    if (this.jsonMode) {
      this.emit({ file, valid: false, kind: check.kind, name: check.name, problems }, () => []);
      return this.exit(ExitCode.invalidInput);
    }
    for (const p of problems) this.note(`${file}:${p.line}:${p.column}: ${p.path}: ${p.message}`);
    const first = check.problems[0]!;
    throw new GmvError('POLICY_INVALID', { ...first.params, source: file, detail: `${first.path} (${first.line}:${first.column})`, problem: first.problem });
  }
}
