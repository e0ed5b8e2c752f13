/**
 * `gmv report`: the compliance state per unit and per article of the pack in force (Arts. 24,
 * 31–33), read through the services that own each question (training, rotation, checklists,
 * filing, devices, the audit verifier), judged as of a China day, then signed by the officer or
 * auditor in the session. Rendering is domain/report-render.ts; this file only gathers.
 */
import { createHash } from 'node:crypto';
import { ExitCode, GmvError } from '../errors.js';
import { addDays, civilDateOf, endOfDay, type CivilDate } from '../domain/dates.js';
import { REPORT_FORMAT, citeKey, type Cite, type Finding, type ReportData, type AuditSection, type UnitStats } from '../domain/report.js';
import { render, type Lang, type MessageKey } from '../i18n/catalogue.js';
import type { Policy } from '../policy/policy.js';
import type { StoreTarget } from '../local/vault-location.js';
import { armorSignature } from '../crypto/pgp.js';
import { authorize } from './access.js';
import type { KeyHolder } from './keys.js';
import { listStaff, listUnits } from './staff.js';
import { lapsingFor } from './training.js';
import { rotationDue } from './rotation.js';
import { dueChecklists, listRuns, type RunView } from './checklists.js';
import { filingDue } from './filing.js';
import { listAccounts } from './accounts.js';
import { listDevices } from './devices.js';
import { listAudit } from './audit-log.js';
import { verifyAuditAt } from './audit-verify.js';
import { activePolicy, commitChange, type Vault } from './vault.js';

/** The checklist template whose open runs are counterfeit-account cases (Art. 29). */
export const COUNTERFEIT_TEMPLATE = 'impersonation-case';

/** Days ahead a training, agreement or deadline counts as coming due. */
export const LAPSING_WITHIN_DAYS = 30;

export interface ReportOptions {
  unit?: string;
  /** The China day the report judges against; default today by the vault's clock. */
  asOf?: CivilDate;
  lang: Lang;
  /** Where the vault is, for the audit verifier (which opens it read-only itself). */
  target: StoreTarget;
}

/** The cite of a pack rule (every rule carries one; `gmv policy show` prints them). */
function citeOf(policy: Policy, rule: string): Cite {
  const found = policy.rules.find((r) => r.rule === rule || r.rule.startsWith(`${rule}.`));
  if (!found) throw new GmvError('INTERNAL', { detail: 'detail.reportNoRule', rule });
  return found.cite;
}

/** The vault seen as of the end of `day` (or now, when `day` is today): services judge "today" by it. */
function judgedAt(vault: Vault, day: CivilDate): Vault {
  const now = vault.now();
  if (civilDateOf(now) === day) return vault;
  const instant = new Date(endOfDay(day).getTime() - 1);
  return { ...vault, now: () => instant };
}

/** Gather the report's data (no signature yet). Read-only. */
export async function gatherReport(vault: Vault, options: ReportOptions): Promise<Omit<ReportData, 'signedBy'>> {
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => render(key, params, options.lang);
  const policy = await activePolicy(vault.store.db);
  const generatedAt = vault.now();
  const asOf = options.asOf ?? civilDateOf(generatedAt);
  const v = judgedAt(vault, asOf);
  const units = (await listUnits(vault)).map((u) => u.name);
  if (options.unit && !units.includes(options.unit)) throw new GmvError('UNIT_NOT_FOUND', { unit: options.unit });
  const inScope = (unit: string | null) => !options.unit || unit === null || unit === options.unit;
  const findings: Finding[] = [];
  const checked: Cite[] = [];
  const add = (f: Finding) => { if (inScope(f.unit)) findings.push(f); };

  // Training and confidentiality agreements (Arts. 7, 25): what each person lacks, and what lapses soon.
  const staff = await listStaff(v);
  const people = staff.filter((p) => p.status !== 'departed');
  const idOf = new Map((await v.store.db.selectFrom('people').select(['id', 'login']).execute()).map((r) => [r.login, Number(r.id)]));
  const stats = new Map<string, UnitStats>(units.map((u) => [u, { unit: u, people: 0, qualified: 0, devices: { active: 0, pending: 0, revoked: 0, unseen: 0 } }]));
  const ndaCite = citeOf(policy, 'contractors.nda_required');
  checked.push(ndaCite);
  for (const course of Object.keys(policy.training.courses)) checked.push(policy.training.courses[course]!.cite);
  const courseTitle = (id: string) => (options.lang === 'zh-CN' ? policy.training.courses[id]?.title.zh : policy.training.courses[id]?.title.en) ?? id;
  for (const p of people) {
    const s = stats.get(p.unit)!;
    s.people += 1;
    const { shortfalls, lapsing } = await lapsingFor(v, { id: idOf.get(p.login)!, login: p.login }, LAPSING_WITHIN_DAYS);
    if (shortfalls.length === 0) s.qualified += 1;
    const subject = { login: p.login, name: p.name };
    for (const gap of shortfalls) {
      const nda = gap.what === 'nda';
      add({
        area: nda ? 'nda' : 'training', level: 'breach', unit: p.unit, cite: nda ? ndaCite : policy.training.courses[gap.what]!.cite,
        subject: p.login, name: p.name, state: gap.state, what: gap.what, due: gap.lapsedOn,
        text: t(nda ? (gap.state === 'missing' ? 'report.text.ndaMissing' : 'report.text.ndaLapsed') : (gap.state === 'missing' ? 'report.text.trainingMissing' : 'report.text.trainingLapsed'), { ...subject, course: nda ? '' : courseTitle(gap.what), date: gap.lapsedOn ?? '' }),
        todo: t(nda ? 'report.todo.nda' : 'report.todo.training', { login: p.login, course: gap.what }),
      });
    }
    for (const held of lapsing) {
      const nda = held.what === 'nda';
      add({
        area: nda ? 'nda' : 'training', level: 'warning', unit: p.unit, cite: nda ? ndaCite : policy.training.courses[held.what]!.cite,
        subject: p.login, name: p.name, state: 'lapsing', what: held.what, due: held.lapsesOn,
        text: t(nda ? 'report.text.ndaLapsing' : 'report.text.trainingLapsing', { ...subject, course: nda ? '' : courseTitle(held.what), date: held.lapsesOn }),
        todo: t(nda ? 'report.todo.nda' : 'report.todo.training', { login: p.login, course: held.what }),
      });
    }
  }

  // Accounts and their units: rotations, filings and runs are about accounts.
  const accounts = await listAccounts(v);
  const unitOfAccount = new Map(accounts.map((a) => [a.slug, a.unit]));

  // Rotations (Art. 25): overdue first, departures before any other reason.
  const departureCite = citeOf(policy, 'rotation.departure_working_days');
  const eventCite = citeOf(policy, 'rotation.event_due_days');
  checked.push(departureCite);
  const rotations = await rotationDue(v);
  const rotationCounts = { overdue: 0, due: 0, inProgress: 0, departures: 0 };
  const order = (r: (typeof rotations)[number]) => (r.overdue ? 0 : 2) + (r.reason === 'departure' ? 0 : 1);
  for (const r of [...rotations].sort((a, b) => order(a) - order(b) || a.due.localeCompare(b.due) || a.slug.localeCompare(b.slug))) {
    const unit = unitOfAccount.get(r.slug) ?? null;
    if (!inScope(unit)) continue;
    if (r.overdue) rotationCounts.overdue += 1; else rotationCounts.due += 1;
    if (r.inProgress) rotationCounts.inProgress += 1;
    if (r.reason === 'departure') rotationCounts.departures += 1;
    const fields = (r.fields ?? ['password']).join(', ');
    add({
      area: 'rotation', level: r.overdue ? 'breach' : 'warning', unit, cite: r.reason === 'departure' ? departureCite : eventCite,
      subject: r.slug, name: r.login, state: r.overdue ? 'overdue' : 'due', what: r.reason, due: r.due,
      text: t(r.reason === 'departure' ? 'report.text.rotationDeparture' : 'report.text.rotation', { account: r.slug, person: r.login ?? '', reason: r.reason, fields, date: r.due }),
      todo: t('report.todo.rotation', { account: r.slug }),
    });
  }

  // Checklists (Arts. 12–14, 25, 28, 29): cadences run late or never, runs overdue, failed, unsigned, uncountersigned.
  for (const template of Object.values(policy.checklists)) checked.push(template.cite);
  const title = (x: { zh: string; en: string }) => (options.lang === 'zh-CN' ? x.zh : x.en);
  const { items: due } = await dueChecklists(v, { withinDays: LAPSING_WITHIN_DAYS });
  for (const item of due.filter((i) => i.kind === 'cadence')) {
    const template = policy.checklists[item.template]!;
    add({
      area: 'checklist', level: item.state === 'due' ? 'warning' : 'breach', unit: null, cite: template.cite,
      subject: item.template, name: null, state: item.state, what: item.template, due: item.due,
      text: t(item.state === 'never-run' ? 'report.text.cadenceNever' : item.state === 'overdue' ? 'report.text.cadenceOverdue' : 'report.text.cadenceDue', { title: title(template.title), date: item.due ?? '?', last: item.last ?? '' }),
      todo: t('report.todo.cadence', { template: item.template }),
    });
  }
  const runs = await listRuns(v);
  const counterfeit = { open: 0, overdue: 0 };
  for (const run of runs) {
    const unit = run.slug ? unitOfAccount.get(run.slug) ?? null : null;
    if (!inScope(unit)) continue;
    if (run.template === COUNTERFEIT_TEMPLATE && run.status !== 'countersigned') {
      counterfeit.open += 1;
      if (run.overdue) counterfeit.overdue += 1;
      const left = run.steps.filter((s) => s.status === null).map((s) => s.id);
      add({
        area: 'counterfeit', level: run.overdue ? 'breach' : 'warning', unit, cite: run.cite,
        subject: run.id, name: run.slug, state: run.overdue ? 'overdue' : run.status, what: run.trigger, due: run.deadline,
        text: t(run.overdue ? 'report.text.counterfeitOverdue' : 'report.text.counterfeitOpen', { run: run.id, trigger: run.trigger ?? run.slug ?? '', date: run.deadline ?? '?', steps: left.join(', ') || '-' }),
        todo: t('report.todo.counterfeit', { run: run.id }),
      });
      continue;
    }
    for (const failed of run.steps.filter((s) => s.status === 'failed')) {
      if (laterCleanRun(runs, run)) break;
      add({
        area: 'checklist', level: 'breach', unit, cite: run.cite, subject: run.id, name: run.slug, state: 'failed', what: failed.id, due: run.deadline,
        text: t('report.text.runFailed', { run: run.id, title: title(run.title), step: title(failed.title), note: failed.note ?? '' }),
        todo: t('report.todo.runFailed', { template: run.template }),
      });
    }
    if (run.status === 'countersigned') continue;
    const state = run.status === 'open' ? 'unsigned' : 'uncountersigned';
    add({
      area: 'checklist', level: run.overdue ? 'breach' : 'warning', unit, cite: run.cite, subject: run.id, name: run.slug, state: run.overdue ? `${state}-overdue` : state, what: run.template, due: run.deadline,
      text: t(state === 'unsigned' ? 'report.text.runUnsigned' : 'report.text.runUncountersigned', { run: run.id, title: title(run.title), account: run.slug ?? '-', date: run.deadline ?? '?', overdue: run.overdue ? t('report.word.overdue') : '' }),
      todo: t(state === 'unsigned' ? 'report.todo.runUnsigned' : 'report.todo.runUncountersigned', { run: run.id }),
    });
  }

  // The filing register (Arts. 12, 35; closures 13–14).
  const filingCite = citeOf(policy, 'filing.register_working_days');
  checked.push(filingCite);
  const { items: filings } = await filingDue(v);
  let unfiled = 0;
  for (const f of filings) {
    if (f.kind === 'register') {
      if (inScope(f.unit)) unfiled += 1;
      add({
        area: 'filing', level: f.state === 'overdue' ? 'breach' : 'warning', unit: f.unit, cite: filingCite, subject: f.slug, name: f.name, state: f.state, what: 'register', due: f.due,
        text: t(f.state === 'overdue' ? 'report.text.unfiledOverdue' : f.state === 'unknown' ? 'report.text.unfiledUnknown' : 'report.text.unfiled', { account: f.slug, name: f.name, since: f.since, date: f.due ?? '?' }),
        todo: t('report.todo.filing', { account: f.slug }),
      });
    } else if (f.state === 'ready') {
      add({
        area: 'filing', level: 'warning', unit: f.unit, cite: filingCite, subject: f.slug, name: f.name, state: 'closure-ready', what: 'closure', due: f.due,
        text: t('report.text.closureReady', { account: f.slug, since: f.since, date: f.due ?? '?' }),
        todo: t('report.todo.closure', { account: f.slug }),
      });
    }
  }

  // Terminals (Art. 25): active, pending, revoked, and active ones the log has not seen for the pack's days.
  const deviceCite = citeOf(policy, 'devices.unseen_days');
  checked.push(deviceCite);
  const unseenDays = policy.devices.unseenDays;
  const since = endOfDay(addDays(asOf, -unseenDays));
  const seen = new Set((await listAudit(v, { since, until: v.now() })).map((e) => e.device).filter((d): d is string => d !== null));
  const unitOfPerson = new Map(staff.map((p) => [p.login, p.unit]));
  for (const d of await listDevices(v)) {
    const unit = d.login ? unitOfPerson.get(d.login) ?? null : null;
    const s = unit ? stats.get(unit) : undefined;
    if (s && (d.status === 'active' || d.status === 'pending' || d.status === 'revoked')) s.devices[d.status] += 1;
    if (d.status !== 'active' || seen.has(d.id) || new Date(d.approvedAt ?? d.createdAt) >= since) continue;
    if (s) s.devices.unseen += 1;
    add({
      area: 'device', level: 'warning', unit, cite: deviceCite, subject: d.id, name: d.login, state: 'unseen', what: d.label, due: null,
      text: t('report.text.deviceUnseen', { device: d.id, label: d.label, login: d.login ?? '-', days: unseenDays }),
      todo: t('report.todo.deviceUnseen', { device: d.id }),
    });
  }

  // The audit log (Cybersecurity Law art. 21; Art. 24): verified from scratch, with its newest checkpoint.
  const auditCite = citeOf(policy, 'audit.retention_days');
  checked.push(auditCite);
  const audit = await auditSection(vault, options.target, options.lang);
  if (!audit.verified) {
    add({
      area: 'audit', level: 'breach', unit: null, cite: auditCite, subject: 'audit-log', name: null, state: 'failed', what: audit.error?.code ?? null, due: null,
      text: t('report.text.auditFailed', { message: audit.error?.message ?? '' }),
      todo: t('report.todo.auditFailed'),
    });
  } else if (audit.unsignedTail > 0) {
    add({
      area: 'audit', level: 'warning', unit: null, cite: auditCite, subject: 'audit-log', name: null, state: 'unsigned-tail', what: null, due: null,
      text: t('report.text.auditUnsignedTail', { count: audit.unsignedTail }),
      todo: t('report.todo.auditUnsignedTail'),
    });
  }

  const scopedUnits = options.unit ? [options.unit] : units;
  return {
    format: REPORT_FORMAT,
    vault: vault.vaultId,
    generatedAt: generatedAt.toISOString(),
    asOf,
    unit: options.unit ?? null,
    lang: options.lang,
    policy: { name: policy.name, title: policy.title, unseenDeviceDays: unseenDays, lapsingWithinDays: LAPSING_WITHIN_DAYS },
    articles: articleSummary(checked, findings),
    units: scopedUnits.map((u) => stats.get(u)!),
    rotations: rotationCounts,
    counterfeit,
    unfiled,
    audit,
    findings,
  };
}

/** A failed run no longer counts once a later run of the same template (and account) was completed without failures. */
function laterCleanRun(runs: readonly RunView[], run: RunView): boolean {
  return runs.some((r) => r.template === run.template && r.slug === run.slug && r.startedAt > run.startedAt
    && r.status === 'countersigned' && r.steps.every((s) => s.status !== 'failed'));
}

/** One row per article the report checked (by its citation), with its status. */
function articleSummary(checked: readonly Cite[], findings: readonly Finding[]): ReportData['articles'] {
  const rows = new Map<string, ReportData['articles'][number]>();
  for (const cite of [...checked, ...findings.map((f) => f.cite)]) {
    if (!rows.has(citeKey(cite))) rows.set(citeKey(cite), { cite, status: 'ok', breaches: 0, warnings: 0 });
  }
  for (const f of findings) {
    const row = rows.get(citeKey(f.cite))!;
    if (f.level === 'breach') row.breaches += 1; else row.warnings += 1;
    row.status = row.breaches > 0 ? 'breach' : 'warning';
  }
  return [...rows.values()].sort((a, b) => articleOrder(a.cite.en) - articleOrder(b.cite.en) || a.cite.en.localeCompare(b.cite.en));
}

/** The first article number a citation names (the measures' order), laws and standards after them. */
function articleOrder(cite: string): number {
  const m = /^Measures arts?\. (\d+)/i.exec(cite);
  return m ? Number(m[1]) : 1000;
}

async function auditSection(vault: Vault, target: StoreTarget, lang: Lang): Promise<AuditSection> {
  const db = vault.store.db;
  const latest = await db.selectFrom('audit_checkpoints').select(['tree_size', 'root', 'at', 'signer_fingerprint']).orderBy('tree_size', 'desc').orderBy('id', 'desc').executeTakeFirst();
  const signer = latest ? await signerName(vault, latest.signer_fingerprint) : null;
  const latestCheckpoint = latest ? { size: Number(latest.tree_size), root: latest.root, at: latest.at, signerFingerprint: latest.signer_fingerprint, signer } : null;
  try {
    const r = await verifyAuditAt(target, {});
    return { verified: true, entries: r.entries, checkpoints: r.checkpoints, root: r.root, unsignedTail: r.unsignedTail, orgFingerprint: r.orgFingerprint, latestCheckpoint, error: null };
  } catch (error) {
    // A log that does not verify is the report's most important finding, not a reason to print nothing.
    if (!(error instanceof GmvError) || error.exitCode !== ExitCode.integrity) throw error;
    return { verified: false, entries: null, checkpoints: null, root: null, unsignedTail: 0, orgFingerprint: null, latestCheckpoint, error: { code: error.code, message: error.localized(lang) } };
  }
}

/** Who a checkpoint's signing key belongs to: a person, a terminal, or the organisation. */
async function signerName(vault: Vault, fingerprint: string): Promise<string | null> {
  const db = vault.store.db;
  const person = await db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id').select('people.login').where('person_keys.fingerprint', '=', fingerprint).executeTakeFirst();
  if (person) return person.login;
  const device = await db.selectFrom('devices').select('id').where('signing_fingerprint', '=', fingerprint).executeTakeFirst();
  if (device) return `device ${device.id}`;
  return null;
}

export interface SignedReport {
  data: ReportData;
  /** The file's bytes, exactly as signed. */
  bytes: Buffer;
  /** OpenPGP detached signature over `bytes`, armored (gpg --verify FILE.sig FILE). */
  signature: string;
  sha256: string;
  /** The signer's armored public key, for an inspector's gpg. */
  signerKey: string;
}

/**
 * `gmv report`: decided at the one door (a security officer or an auditor), gathered, rendered by
 * `renderReport`, signed with the session person's key, and recorded in the audit log with the
 * file's SHA-256, so a report handed to an inspector can be matched to the log.
 */
export async function generateReport(vault: Vault, actor: KeyHolder & { deviceId?: string }, options: ReportOptions & { format: 'md' | 'html' | 'json' }, renderReport: (data: ReportData) => string): Promise<SignedReport> {
  await authorize(vault, actor, 'report.generate', options.unit ?? null);
  if (!actor.signer) throw new GmvError('SESSION_REQUIRED', {});
  const gathered = await gatherReport(vault, options);
  const data: ReportData = { ...gathered, signedBy: { login: actor.login, fingerprint: actor.signer.fingerprint } };
  const bytes = Buffer.from(renderReport(data), 'utf8');
  const signature = await armorSignature(await actor.signer.sign(bytes));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const key = await vault.store.db.selectFrom('person_keys').select('public_key').where('fingerprint', '=', actor.signer.fingerprint).executeTakeFirstOrThrow();
  await commitChange(vault, async () => ({
    result: undefined,
    audit: [{ action: 'report.generate', actor: actor.login, subject: options.unit ?? null, outcome: 'ok', details: {
      format: options.format, as_of: data.asOf, sha256, fingerprint: actor.signer!.fingerprint,
      breaches: data.findings.filter((f) => f.level === 'breach').length, warnings: data.findings.filter((f) => f.level === 'warning').length,
    } }],
  }), { by: actor });
  return { data, bytes, signature, sha256, signerKey: key.public_key };
}
