/**
 * Policy packs: YAML validated by a strict schema, then by the pack's own references (courses, roles,
 * templates), its patterns and the legal floors. Every problem carries the line and column it is at.
 * A vault enforces one pack plus, optionally, one override file of values laid over it.
 */
import type { Document, LineCounter } from 'yaml';
import type { ZodType } from 'zod';
import { GmvError, type ErrorParams } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { MIN_RETENTION_DAYS } from '../audit/entry.js';
import { MIN_KDF, type KdfCost } from '../crypto/kdf.js';
import { CHAR_CLASSES, DEFAULT_PLATFORM_RULES, PLATFORMS, validateRules, type CharClass, type PasswordRules, type Platform } from '../domain/password-gen.js';
import { regexProblem } from './regex-safety.js';
import { schemaProblem, yamlBuildProblem, yamlProblem } from './yaml-problems.js';

export { MIN_RETENTION_DAYS };

/** A text or citation in both languages. */
export interface Text { zh: string; en: string }

export const CHECKLIST_EVENTS = ['offboarding', 'filing-change', 'impersonation-report', 'account-closure'] as const;
export const ROTATION_EVENTS = ['offboarding', 'grant-removed', 'key-lost'] as const;

export interface ChecklistTemplate {
  title: Text;
  cite: Text;
  cadence: { months?: number; days?: number } | null;
  trigger: { event: (typeof CHECKLIST_EVENTS)[number] } | null;
  deadlineWorkingDays: number;
  performers: string[];
  countersign: { required: boolean; roles: string[] };
  /** Templates a finished run of this one starts. */
  starts: string[];
  steps: { id: string; title: Text; evidence: boolean }[];
}

/** One effective value, where it came from and the article it rests on (`gmv policy show`). */
export interface PolicyRule {
  rule: string;
  value: unknown;
  source: 'pack' | 'override';
  origin: string;
  cite: Text;
}

export interface Policy {
  name: string;
  version: number;
  title: Text;
  audit: { retentionDays: number };
  passphrase: { minLength: number; kdf: KdfCost };
  session: { idleSeconds: number; maxSeconds: number };
  login: { maxFailures: number; backoffSeconds: number; maxBackoffSeconds: number };
  devices: { certificateDays: number; crlDays: number; caDays: number; unseenDays: number };
  credentials: { history: number; recoveryCodesLow: number; clipboardSeconds: number };
  rotation: { periodicDays: number; eventDueDays: number; events: string[]; lookAheadDays: number; departureWorkingDays: number };
  /** Platform-side binding limits per platform and role (only where the platform publishes them). */
  bindings: { limits: Partial<Record<Platform, Record<'admin' | 'long-term-operator' | 'short-term-operator', number>>>; shortTermDays: number };
  contractors: { ndaRequired: boolean; ndaValidityMonths: number };
  /** The filing register: working days to file a new account, to file a change, to announce a closure. */
  filing: { registerWorkingDays: number; changeWorkingDays: number; closureNoticeWorkingDays: number };
  training: { courses: Record<string, { title: Text; validityMonths: number; cite: Text }> };
  roles: Record<string, { title: Text; training: string[]; cite: Text }>;
  impersonation: { namePatterns: string[] };
  /** Who a backup is encrypted to besides the organisation recovery key (always): the active holders of these roles. */
  backups: { encryptToRoles: string[] };
  checklists: Record<string, ChecklistTemplate>;
  /** Password rules of each platform, the policy's overrides applied over the defaults. */
  platforms: Record<Platform, PasswordRules>;
  /** Every effective value with its source and citation. */
  rules: PolicyRule[];
  /** The override laid over the pack, if any. */
  override: string | null;
}

/** A problem in a policy file, at a place in it. */
export interface PolicyProblem {
  path: string;
  line: number;
  column: number;
  /** Catalogue key of the problem (detail.policy*), rendered with `params`. */
  problem: MessageKey;
  params: ErrorParams;
}

export interface PolicyCheck {
  kind: 'pack' | 'override';
  name: string;
  problems: PolicyProblem[];
}

/** The sections whose values an override may replace. */
/** Arts. 12, 13, 14, 35: file within 20 working days, changes within 7, announce a closure 15 ahead. */
const FILING_DEFAULTS = {
  cite: { zh: '办法第十二条、第十三条、第十四条、第三十五条', en: 'Measures arts. 12, 13, 14, 35' },
  register_working_days: 20,
  change_working_days: 7,
  closure_notice_working_days: 15,
};

const SETTINGS = ['audit', 'passphrase', 'session', 'login', 'devices', 'credentials', 'rotation', 'contractors', 'bindings', 'filing'] as const;

/** The WeChat binding limits gmv enforced before they were in the pack: what a recorded pack without a bindings section gets. */
const BINDINGS_BEFORE_PACK = {
  cite: { zh: '微信公众平台运营者管理规则；办法第二十五条（离岗人员保密管理）', en: 'WeChat Official Accounts operator rules; measures art. 25 (departing staff)' },
  limits: { 'wechat-oa': { admin: 1, 'long-term-operator': 5, 'short-term-operator': 20 } },
  short_term_days: 30,
};
type Section = (typeof SETTINGS)[number];

/** What a recorded pack without a backups section gets: what gmv did before it was a pack's choice. */
const BACKUPS_BEFORE_PACK = {
  cite: { zh: '办法第二十八条', en: 'Measures art. 28' },
  encrypt_to_roles: ['security-officer'],
};

type Raw = Record<string, any>;

interface Analysis {
  kind: 'pack' | 'override';
  name: string;
  data: Raw | null;
  problems: PolicyProblem[];
  locate: (path: readonly PropertyKey[], key?: string) => { line: number; column: number };
}

/** Built once per process: the schemas are constants, only zod's import is deferred. */
let built: Promise<{ pack: ZodType; override: ZodType }> | null = null;
function schemas(): Promise<{ pack: ZodType; override: ZodType }> {
  built ??= buildSchemas();
  return built;
}

async function buildSchemas(): Promise<{ pack: ZodType; override: ZodType }> {
  const { z } = await import('zod');
  const text = z.strictObject({ zh: z.string().min(1), en: z.string().min(1) });
  const id = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/);
  const int = (min: number, max: number) => z.number().int().min(min).max(max);
  const sections = (partial: boolean) => {
    const obj = <T extends Record<string, ZodType>>(shape: T) => partial ? z.strictObject(shape).partial() : z.strictObject(shape);
    const cite = partial ? text.optional() : text;
    // Keys added after vaults recorded their packs: a recorded pack without them keeps the value
    // the code had before (an override never gets a default, or it would replace the pack's value).
    const since = <T extends ZodType>(schema: T, value: unknown): ZodType => (partial ? schema : schema.default(value as never));
    const bindingLimits = z.strictObject({ admin: int(0, 1000), 'long-term-operator': int(0, 1000), 'short-term-operator': int(0, 1000) });
    return {
      audit: obj({ cite, retention_days: int(1, 36500) }),
      passphrase: obj({
        cite,
        min_length: int(8, 1024),
        kdf: obj({ memory_kib: int(1, 4 * 1024 * 1024), iterations: int(1, 64), parallelism: int(1, 64) }),
      }),
      session: obj({ cite, idle_minutes: z.number().positive().max(24 * 60), max_hours: z.number().positive().max(24 * 7) }),
      login: obj({ cite, max_failures: int(0, 100), backoff_seconds: int(0, 900), max_backoff_seconds: since(int(1, 86400), 900) }),
      devices: obj({ cite, certificate_days: int(1, 3650), crl_days: int(1, 366), ca_days: since(int(1, 36500), 3650), unseen_days: since(int(1, 3650), 90) }),
      credentials: obj({ cite, history: int(1, 50), recovery_codes_low: int(0, 100), clipboard_seconds: int(5, 600) }),
      rotation: obj({ cite, periodic_days: int(0, 3650), event_due_days: int(0, 90), events: z.array(z.enum(ROTATION_EVENTS)), look_ahead_days: since(int(0, 365), 14), departure_working_days: since(int(0, 30), 1) }),
      contractors: obj({ cite, nda_required: z.boolean(), nda_validity_months: int(1, 120) }),
      bindings: since(obj({
        cite,
        limits: partial ? z.partialRecord(z.enum(PLATFORMS), bindingLimits.partial()) : z.partialRecord(z.enum(PLATFORMS), bindingLimits),
        short_term_days: int(1, 366),
      }), BINDINGS_BEFORE_PACK),
      // Packs written before the filing register had no such section: they get the measures' values.
      filing: partial
        ? obj({ cite, register_working_days: int(1, 120), change_working_days: int(1, 120), closure_notice_working_days: int(1, 120) })
        : obj({ cite, register_working_days: int(1, 120), change_working_days: int(1, 120), closure_notice_working_days: int(1, 120) }).default(FILING_DEFAULTS),
    };
  };
  const template = z.strictObject({
    title: text,
    cite: text,
    cadence: z.strictObject({ months: int(1, 60), days: int(1, 3660) }).partial().optional(),
    trigger: z.strictObject({ event: z.enum(CHECKLIST_EVENTS) }).optional(),
    deadline_working_days: int(1, 120),
    performers: z.array(id).min(1),
    countersign: z.strictObject({ required: z.boolean(), roles: z.array(id) }),
    starts: z.array(id).default([]),
    steps: z.array(z.strictObject({ id, title: text, evidence: z.boolean().default(false) })).min(1),
  });
  const pack = z.strictObject({
    name: id,
    version: z.number().int().positive(),
    title: text,
    ...sections(false),
    training: z.strictObject({
      cite: text,
      courses: z.record(id, z.strictObject({ title: text, validity_months: int(1, 120), cite: text })),
    }),
    roles: z.record(id, z.strictObject({ title: text, training: z.array(id), cite: text })),
    impersonation: z.strictObject({ cite: text, name_patterns: z.array(z.string()) }),
    backups: z.strictObject({ cite: text, encrypt_to_roles: z.array(id) }).default(BACKUPS_BEFORE_PACK),
    checklists: z.record(id, template),
    platforms: z.partialRecord(z.enum(PLATFORMS), z.strictObject({
      length: int(8, 128),
      min_length: int(1, 128),
      max_length: int(8, 256),
      classes: z.array(z.enum(CHAR_CLASSES)).min(1),
      symbols: z.string().regex(/^[!-/:-@[-`{-~]*$/, 'ASCII punctuation only').default(''),
      min_per_class: int(0, 8).default(1),
      forbid_repeats: int(1, 16).optional(),
    })).default({}),
  });
  const override = z.strictObject({ override: id, ...sections(true) }).partial({ ...Object.fromEntries(SETTINGS.map((s) => [s, true])) } as Record<Section, true>);
  return { pack, override };
}

/** Where a path of the document is: the key named `key` inside it, else the deepest node that exists. */
function locator(doc: Document, counter: LineCounter, yaml: typeof import('yaml')) {
  return (path: readonly PropertyKey[], key?: string): { line: number; column: number } => {
    let node: unknown = doc.contents;
    let at = node as { range?: [number, number, number] | null } | null;
    const segments = key === undefined ? path : [...path, key];
    for (const [i, segment] of segments.entries()) {
      if (yaml.isMap(node)) {
        const pair = node.items.find((p) => yaml.isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const last = i === segments.length - 1 && key !== undefined;
        at = (last ? pair.key : (pair.value ?? pair.key)) as typeof at;
        node = pair.value;
      } else if (yaml.isSeq(node)) {
        const item = node.items[Number(segment)];
        if (!item) break;
        at = item as typeof at;
        node = item;
      } else break;
    }
    const offset = at?.range?.[0] ?? 0;
    const { line, col } = counter.linePos(offset);
    return { line, column: col };
  };
}

const pathText = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';

async function analyse(text: string, source: string): Promise<Analysis> {
  const [yaml, { pack, override }] = await Promise.all([import('yaml'), schemas()]);
  const counter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: counter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const locate = locator(doc, counter, yaml);
  const problems: PolicyProblem[] = [];
  const at = (path: readonly PropertyKey[], problem: MessageKey, params: ErrorParams = {}, key?: string) =>
    problems.push({ path: pathText(key === undefined ? path : [...path, key]), ...locate(path, key), problem, params });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = counter.linePos(error.pos[0]);
      const { key, params } = yamlProblem(error);
      problems.push({ path: '(yaml)', line, column: col, problem: 'detail.policyYaml', params: { ...params, yaml: key } });
    }
    return { kind: 'pack', name: source, data: null, problems, locate };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const { key, params } = yamlBuildProblem(error);
    at([], 'detail.policyYaml', { ...params, yaml: key });
    return { kind: 'pack', name: source, data: null, problems, locate };
  }
  const kind = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'override' in raw ? 'override' : 'pack';
  const result = (kind === 'override' ? override : pack).safeParse(raw, { reportInput: true });
  if (isPlainObject(raw)) checkFloors(raw, at);
  if (!result.success) {
    for (const issue of result.error.issues as unknown as { code: string; path: PropertyKey[]; keys?: string[] }[]) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys ?? []) at(issue.path, 'detail.policyUnknownKey', { key }, key);
        continue;
      }
      const { problem, params } = schemaProblem(issue);
      at(issue.path, problem, params);
    }
    return { kind, name: source, data: null, problems, locate };
  }
  const data = result.data as Raw;
  const name = kind === 'override' ? String(data.override) : String(data.name);
  if (kind === 'pack') checkPack(data, at);
  return { kind, name, data: problems.length === 0 ? data : null, problems, locate };
}

type At = (path: readonly PropertyKey[], problem: MessageKey, params?: ErrorParams, key?: string) => void;

/** Values no pack or override may go below, and the law that sets each floor. */
function checkFloors(data: Raw, at: At): void {
  const floor = (path: string[], value: unknown, min: number, law: MessageKey) => {
    if (typeof value === 'number' && value < min) at(path, 'detail.policyFloor', { value, floor: min, law });
  };
  floor(['audit', 'retention_days'], data.audit?.retention_days, MIN_RETENTION_DAYS, 'detail.lawRetention');
  floor(['passphrase', 'kdf', 'memory_kib'], data.passphrase?.kdf?.memory_kib, MIN_KDF.memoryKiB, 'detail.lawKdf');
  floor(['passphrase', 'kdf', 'iterations'], data.passphrase?.kdf?.iterations, MIN_KDF.iterations, 'detail.lawKdf');
  floor(['passphrase', 'kdf', 'parallelism'], data.passphrase?.kdf?.parallelism, MIN_KDF.parallelism, 'detail.lawKdf');
  floor(['login', 'max_failures'], data.login?.max_failures, 1, 'detail.lawLockout');
}

/** References inside a pack, its patterns, and the shape of its templates. */
function checkPack(data: Raw, at: At): void {
  const courses = new Set(Object.keys(data.training.courses));
  const roles = new Set(Object.keys(data.roles));
  const templates = data.checklists as Record<string, Raw>;
  for (const [role, spec] of Object.entries(data.roles as Record<string, Raw>)) {
    (spec.training as string[]).forEach((course, i) => {
      if (!courses.has(course)) at(['roles', role, 'training', i], 'detail.policyNoCourse', { ref: course });
    });
  }
  (data.impersonation.name_patterns as string[]).forEach((pattern, i) => {
    const bad = regexProblem(pattern);
    if (bad) at(['impersonation', 'name_patterns', i], bad === 'invalid' ? 'detail.policyRegexInvalid' : bad === 'unanchored' ? 'detail.policyRegexUnanchored' : 'detail.policyRegexCatastrophic');
  });
  (data.backups.encrypt_to_roles as string[]).forEach((role, i) => {
    if (!roles.has(role)) at(['backups', 'encrypt_to_roles', i], 'detail.policyNoRole', { ref: role });
  });
  for (const [id, t] of Object.entries(templates)) {
    const base = ['checklists', id];
    const cadence = t.cadence && (t.cadence.months !== undefined || t.cadence.days !== undefined);
    if (Boolean(cadence) === Boolean(t.trigger) || (t.cadence && t.cadence.months !== undefined && t.cadence.days !== undefined)) at(base, 'detail.policyCadenceOrTrigger');
    (t.performers as string[]).forEach((role, i) => {
      if (!roles.has(role)) at([...base, 'performers', i], 'detail.policyNoRole', { ref: role });
    });
    (t.countersign.roles as string[]).forEach((role, i) => {
      if (!roles.has(role)) at([...base, 'countersign', 'roles', i], 'detail.policyNoRole', { ref: role });
    });
    if (t.countersign.required && t.countersign.roles.length === 0) at([...base, 'countersign', 'roles'], 'detail.policyCountersignRoles');
    (t.starts as string[]).forEach((other, i) => {
      if (!Object.hasOwn(templates, other)) at([...base, 'starts', i], 'detail.policyNoTemplate', { ref: other });
    });
    const seen = new Set<string>();
    (t.steps as Raw[]).forEach((step, i) => {
      if (seen.has(step.id)) at([...base, 'steps', i, 'id'], 'detail.policyDuplicateStep', { ref: step.id });
      seen.add(step.id);
    });
  }
  for (const cycle of templateCycles(templates)) {
    at(['checklists', cycle[0]!, 'starts'], 'detail.policyCycle', { cycle: [...cycle, cycle[0]].join(' → ') });
  }
}

/** Each cycle of templates starting one another, once, from its first template in pack order. */
function templateCycles(templates: Record<string, Raw>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const visit = (id: string, trail: string[]) => {
    state.set(id, 'open');
    for (const next of (templates[id]?.starts ?? []) as string[]) {
      if (!Object.hasOwn(templates, next)) continue;
      if (state.get(next) === 'open') cycles.push(trail.slice(trail.indexOf(next)));
      else if (!state.has(next)) visit(next, [...trail, next]);
    }
    state.set(id, 'done');
  };
  for (const id of Object.keys(templates)) if (!state.has(id)) visit(id, [id]);
  return cycles;
}

/** Check a pack or override file: every problem with its position (`gmv policy validate`). Never throws on bad input. */
export async function checkPolicyFile(text: string, source: string): Promise<PolicyCheck> {
  const a = await analyse(text, source);
  return { kind: a.kind, name: a.name, problems: a.problems };
}

function refuse(source: string, problem: PolicyProblem): GmvError {
  return new GmvError('POLICY_INVALID', { ...problem.params, source, detail: `${problem.path} (${problem.line}:${problem.column})`, problem: problem.problem });
}

function platformRules(overrides: Raw, source: string): Record<Platform, PasswordRules> {
  const rules = { ...DEFAULT_PLATFORM_RULES };
  for (const [platform, o] of Object.entries(overrides) as [Platform, Raw][]) {
    const r: PasswordRules = { length: o.length, minLength: o.min_length, maxLength: o.max_length, classes: o.classes as CharClass[], symbols: o.symbols, minPerClass: o.min_per_class, ...(o.forbid_repeats ? { forbidRepeats: o.forbid_repeats } : {}) };
    try {
      validateRules(r);
    } catch (error) {
      throw new GmvError('POLICY_INVALID', { ...(error as GmvError).params, source, detail: `platforms.${platform}`, problem: 'detail.policyOther', message: String((error as GmvError).params?.detail ?? (error as Error).message) });
    }
    rules[platform] = r;
  }
  return rules;
}

function isPlainObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The settings of `pack` with those of `override` laid over them, and the rules with their sources. */
function merge(pack: Raw, override: Raw | null, packName: string, overrideName: string | null): { data: Raw; rules: PolicyRule[] } {
  const data: Raw = structuredClone(pack);
  const rules: PolicyRule[] = [];
  const walk = (section: Section, base: Raw, over: Raw | undefined, prefix: string[]) => {
    for (const [key, value] of Object.entries(base)) {
      if (key === 'cite' && prefix.length === 0) continue;
      const path = [...prefix, key];
      const o = over?.[key];
      if (isPlainObject(value)) {
        walk(section, value, isPlainObject(o) ? o : undefined, path);
        continue;
      }
      const fromOverride = o !== undefined;
      if (fromOverride) base[key] = o;
      rules.push({ rule: [section, ...path].join('.'), value: base[key], source: fromOverride ? 'override' : 'pack', origin: fromOverride ? overrideName! : packName, cite: data[section].cite });
    }
  };
  for (const section of SETTINGS) walk(section, data[section], override?.[section], []);
  for (const [id, course] of Object.entries(data.training.courses as Record<string, Raw>)) {
    rules.push({ rule: `training.courses.${id}.validity_months`, value: course.validity_months, source: 'pack', origin: packName, cite: course.cite });
  }
  for (const [id, role] of Object.entries(data.roles as Record<string, Raw>)) {
    rules.push({ rule: `roles.${id}.training`, value: role.training, source: 'pack', origin: packName, cite: role.cite });
  }
  rules.push({ rule: 'impersonation.name_patterns', value: data.impersonation.name_patterns, source: 'pack', origin: packName, cite: data.impersonation.cite });
  rules.push({ rule: 'backups.encrypt_to_roles', value: data.backups.encrypt_to_roles, source: 'pack', origin: packName, cite: data.backups.cite });
  for (const [id, t] of Object.entries(data.checklists as Record<string, Raw>)) {
    const rule = (key: string, value: unknown) => rules.push({ rule: `checklists.${id}.${key}`, value, source: 'pack', origin: packName, cite: t.cite });
    if (t.cadence) rule('cadence', t.cadence);
    if (t.trigger) rule('trigger', t.trigger.event);
    rule('deadline_working_days', t.deadline_working_days);
    rule('performers', t.performers);
    rule('countersign', t.countersign);
  }
  return { data, rules };
}

function toPolicy(p: Raw, rules: PolicyRule[], override: string | null, source: string): Policy {
  const templates: Record<string, ChecklistTemplate> = {};
  for (const [id, t] of Object.entries(p.checklists as Record<string, Raw>)) {
    templates[id] = {
      title: t.title, cite: t.cite, cadence: t.cadence ?? null, trigger: t.trigger ?? null, deadlineWorkingDays: t.deadline_working_days,
      performers: t.performers, countersign: t.countersign, starts: t.starts, steps: t.steps,
    };
  }
  return {
    name: p.name,
    version: p.version,
    title: p.title,
    audit: { retentionDays: p.audit.retention_days },
    passphrase: {
      minLength: p.passphrase.min_length,
      kdf: { memoryKiB: p.passphrase.kdf.memory_kib, iterations: p.passphrase.kdf.iterations, parallelism: p.passphrase.kdf.parallelism },
    },
    session: { idleSeconds: Math.max(1, Math.round(p.session.idle_minutes * 60)), maxSeconds: Math.max(1, Math.round(p.session.max_hours * 3600)) },
    login: { maxFailures: p.login.max_failures, backoffSeconds: p.login.backoff_seconds, maxBackoffSeconds: p.login.max_backoff_seconds },
    devices: { certificateDays: p.devices.certificate_days, crlDays: p.devices.crl_days, caDays: p.devices.ca_days, unseenDays: p.devices.unseen_days },
    credentials: { history: p.credentials.history, recoveryCodesLow: p.credentials.recovery_codes_low, clipboardSeconds: p.credentials.clipboard_seconds },
    rotation: { periodicDays: p.rotation.periodic_days, eventDueDays: p.rotation.event_due_days, events: p.rotation.events, lookAheadDays: p.rotation.look_ahead_days, departureWorkingDays: p.rotation.departure_working_days },
    bindings: { limits: p.bindings.limits, shortTermDays: p.bindings.short_term_days },
    contractors: { ndaRequired: p.contractors.nda_required, ndaValidityMonths: p.contractors.nda_validity_months },
    filing: { registerWorkingDays: p.filing.register_working_days, changeWorkingDays: p.filing.change_working_days, closureNoticeWorkingDays: p.filing.closure_notice_working_days },
    training: { courses: Object.fromEntries(Object.entries(p.training.courses as Record<string, Raw>).map(([id, c]) => [id, { title: c.title, validityMonths: c.validity_months, cite: c.cite }])) },
    roles: p.roles,
    impersonation: { namePatterns: p.impersonation.name_patterns },
    backups: { encryptToRoles: [...new Set(p.backups.encrypt_to_roles as string[])] },
    checklists: templates,
    platforms: platformRules(p.platforms, source),
    rules,
    override,
  };
}

export interface PolicyFile { text: string; source: string }

/** The policy a vault enforces: a pack, and optionally an override file laid over it. Throws POLICY_INVALID at the first problem. */
export async function effectivePolicy(pack: PolicyFile, override: PolicyFile | null = null): Promise<Policy> {
  const p = await analyse(pack.text, pack.source);
  if (p.problems.length > 0) throw refuse(pack.source, p.problems[0]!);
  if (p.kind !== 'pack') throw refuse(pack.source, { path: 'override', ...p.locate([], 'override'), problem: 'detail.policyNotPack', params: {} });
  let o: Analysis | null = null;
  if (override) {
    o = await analyse(override.text, override.source);
    if (o.problems.length > 0) throw refuse(override.source, o.problems[0]!);
    if (o.kind !== 'override') throw refuse(override.source, { path: 'name', ...o.locate([], 'name'), problem: 'detail.policyNotOverride', params: {} });
  }
  const { data, rules } = merge(p.data!, o?.data ?? null, p.name, o?.name ?? null);
  return toPolicy(data, rules, o?.name ?? null, pack.source);
}

/** Parse and validate a policy pack; `source` names it in errors. */
export async function parsePolicy(text: string, source: string): Promise<Policy> {
  return effectivePolicy({ text, source });
}

/** Whether a file is a pack or an override, for `gmv policy apply` (problems are reported by effectivePolicy). */
export async function policyKind(text: string, source: string): Promise<'pack' | 'override'> {
  return (await analyse(text, source)).kind;
}

/**
 * A pack written before packs carried citations, roles and checklists (the default.yaml that vaults
 * created by earlier gmv versions recorded): its values laid over `base`, the shipped pack, as YAML
 * text. Null when `text` is not such a pack. Unknown keys are kept, so validation still names them.
 */
export async function upgradeLegacyPack(text: string, base: () => string): Promise<string | null> {
  const yaml = await import('yaml');
  let raw: unknown;
  try {
    raw = yaml.parse(text);
  } catch {
    return null;
  }
  if (!isPlainObject(raw) || ['title', 'checklists', 'roles', 'override'].some((k) => Object.hasOwn(raw as Raw, k))) return null;
  const doc = yaml.parseDocument(base());
  const lay = (path: string[], value: unknown) => {
    if (isPlainObject(value) && path.length > 0 && path[0] !== 'platforms') {
      for (const [k, v] of Object.entries(value)) lay([...path, k], v);
    } else doc.setIn(path, value);
  };
  for (const [key, value] of Object.entries(raw)) lay([key], value);
  return doc.toString();
}
