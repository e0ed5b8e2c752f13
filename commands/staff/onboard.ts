import { Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';
import type { CivilDate } from '../../src/domain/dates.js';

export default class StaffOnboard extends GmvCommand<typeof StaffOnboard> {
  static override summary = 'Onboard a person (security officers, in a session): person, unit, employer, roles, NDA and training in one signed record, then how their terminal enrolls.';
  static override description = 'At a terminal without flags it asks, step by step; scripts give the same through flags. Training and NDA dates are China dates, not after today; whatever the roles need and is not recorded is listed, and no grant is possible until it is (measures arts. 7, 25).';
  static override examples = [
    'gmv staff onboard',
    'gmv staff onboard --login zhao.min --name 赵敏 --unit 宣传科 --roles editor --training security-basics=2026-11-20 --training content-review=2026-11-21',
    'gmv staff onboard --login chen.jing --name 陈静 --unit 宣传科 --roles editor --employer 某某文化传媒有限公司 --nda 2026-11-18 --training security-basics=2026-11-20 --evidence onboarding-form.pdf',
  ];
  static override flags = {
    login: Flags.string({ description: 'Unique login handle (lowercase, e.g. zhang.wei)' }),
    name: Flags.string({ description: 'Full name' }),
    unit: Flags.string({ description: 'Unit (department) the person works for' }),
    roles: Flags.string({ description: 'Comma-separated: security-officer, account-admin, editor, reviewer, tech-support, auditor, leader' }),
    employer: Flags.string({ description: 'Contractor agency employing the person (omit for in-house staff; Art. 7)' }),
    training: Flags.string({ description: 'A completed course: COURSE=YYYY-MM-DD (repeat for several)', multiple: true }),
    nda: Flags.string({ description: 'Day the confidentiality agreement was signed (YYYY-MM-DD)' }),
    evidence: Flags.string({ description: 'An evidence file for these records (repeat for several)', multiple: true }),
  };

  async run(): Promise<void> {
    const [{ onboardStaff }, { parseRoles }, { hashEvidence }, { interactive }, { GmvError }, { parseCivilDate }] = await Promise.all([
      import('../../src/services/training.js'), import('../../src/services/staff.js'), import('../../src/local/evidence.js'), import('../../cli/passphrase.js'),
      import('../../src/errors.js'), import('../../src/domain/dates.js'),
    ]);
    const vault = await this.vault();
    const actor = await this.sessionActor();
    const f = this.flags;
    const wizard = f.login === undefined && interactive();
    let input: Parameters<typeof onboardStaff>[2];
    if (wizard) {
      input = await this.ask(vault);
    } else {
      for (const [flag, value] of [['--login', f.login], ['--name', f.name], ['--unit', f.unit], ['--roles', f.roles]] as const) {
        if (value === undefined) throw new GmvError('USAGE', { detail: this.t('onboard.needsFlag', { flag }) });
      }
      const training = (f.training ?? []).map((t) => {
        const [course, day] = t.split('=');
        const completed = day ? parseCivilDate(day) : null;
        if (!course || !completed) throw new GmvError('USAGE', { detail: this.t('onboard.trainingFlag', { value: t }) });
        return { course, completed };
      });
      input = {
        login: f.login!, name: f.name!, unit: f.unit!, roles: parseRoles(f.roles!), ...(f.employer ? { employer: f.employer } : {}),
        training, ...(f.nda ? { nda: this.civilDateFlag('nda', f.nda)! } : {}), evidence: (f.evidence ?? []).map(hashEvidence),
      };
    }
    const r = await onboardStaff(vault, actor, input);
    const what = (w: string) => (w === 'nda' ? this.t('training.nda') : w);
    this.emit(r, () => [
      this.t('onboard.done', { login: r.login, name: r.name, unit: r.unit, roles: r.roles.join(', '), records: r.recorded.length }),
      ...(r.shortfalls.length
        ? [this.t('onboard.missing', { login: r.login, missing: r.shortfalls.map((s) => `${what(s.what)} (${this.t(s.state === 'missing' ? 'training.state.missing' : 'training.state.lapsed')})`).join(', ') })]
        : [this.t('onboard.ready', { login: r.login })]),
      this.t('onboard.enroll', { login: r.login }),
    ]);
  }

  /** The wizard: each answer checked as it is typed, nothing written until the end. */
  private async ask(vault: import('../../src/services/vault.js').Vault): Promise<Parameters<typeof import('../../src/services/training.js').onboardStaff>[2]> {
    const [{ input, select, checkbox }, { listUnits }, { activePolicy }, { isLoginHandle, isDisplayName, ROLES }, { parseCivilDate, civilDateOf }, { hashEvidence }] = await Promise.all([
      import('@inquirer/prompts'), import('../../src/services/staff.js'), import('../../src/services/vault.js'), import('../../src/domain/names.js'),
      import('../../src/domain/dates.js'), import('../../src/local/evidence.js'),
    ]);
    const context = { output: process.stderr };
    const policy = await activePolicy(vault.store.db);
    const lang = this.lang === 'zh-CN' ? 'zh' : 'en';
    const today = civilDateOf(vault.now());
    const day = (v: string, optional: boolean) => {
      if (v.trim() === '') return optional ? true : this.t('prompt.empty');
      const d = parseCivilDate(v.trim());
      if (!d) return this.t('onboard.badDay');
      return d > today ? this.t('onboard.futureDay', { today }) : true;
    };
    const login = await input({ message: this.t('onboard.askLogin'), validate: (v) => (isLoginHandle(v) ? true : this.t('onboard.badLogin')) }, context);
    const name = await input({ message: this.t('onboard.askName'), validate: (v) => (isDisplayName(v) ? true : this.t('onboard.badName')) }, context);
    const units = await listUnits(vault);
    const unit = await select({ message: this.t('onboard.askUnit'), choices: units.map((u) => ({ value: u.name, name: u.name })) }, context);
    const employer = (await input({ message: this.t('onboard.askEmployer'), validate: (v) => (v === '' || isDisplayName(v) ? true : this.t('onboard.badName')) }, context)).trim();
    const roles = await checkbox({
      message: this.t('onboard.askRoles'),
      choices: ROLES.map((r) => ({ value: r, name: `${r} — ${policy.roles[r]?.title[lang] ?? r}` })),
      validate: (chosen) => (chosen.length > 0 ? true : this.t('onboard.needRole')),
    }, context);
    let nda: CivilDate | undefined;
    if (employer !== '' && policy.contractors.ndaRequired) {
      const v = await input({ message: this.t('onboard.askNda'), validate: (x) => day(x, true) }, context);
      if (v.trim()) nda = parseCivilDate(v.trim())!;
    }
    const needed = [...new Set(roles.flatMap((r) => policy.roles[r]?.training ?? []))];
    const training: { course: string; completed: CivilDate }[] = [];
    for (const course of needed) {
      const title = policy.training.courses[course]?.title[lang] ?? course;
      const v = await input({ message: this.t('onboard.askCourse', { course, title }), validate: (x) => day(x, true) }, context);
      if (v.trim()) training.push({ course, completed: parseCivilDate(v.trim())! });
    }
    const files = await input({ message: this.t('onboard.askEvidence') }, context);
    const evidence = files.split(',').map((x) => x.trim()).filter(Boolean).map(hashEvidence);
    return { login, name, unit, roles, ...(employer ? { employer } : {}), training, ...(nda ? { nda } : {}), evidence };
  }
}
