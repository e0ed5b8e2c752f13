/** Policy packs: YAML validated by a strict schema; unknown keys and values below legal floors are errors. */
import { GmvError } from '../errors.js';
import { MIN_RETENTION_DAYS } from '../audit/entry.js';
import { MIN_KDF, type KdfCost } from '../crypto/kdf.js';
import { CHAR_CLASSES, DEFAULT_PLATFORM_RULES, PLATFORMS, validateRules, type CharClass, type PasswordRules, type Platform } from '../domain/password-gen.js';

export interface Policy {
  name: string;
  version: number;
  audit: { retentionDays: number };
  passphrase: { minLength: number; kdf: KdfCost };
  session: { idleSeconds: number; maxSeconds: number };
  login: { maxFailures: number; backoffSeconds: number };
  devices: { certificateDays: number; crlDays: number };
  credentials: { history: number; recoveryCodesLow: number; clipboardSeconds: number };
  rotation: { periodicDays: number; eventDueDays: number };
  /** Password rules of each platform, the policy's overrides applied over the defaults. */
  platforms: Record<Platform, PasswordRules>;
}

function platformRules(overrides: Partial<Record<Platform, { length: number; min_length: number; max_length: number; classes: CharClass[]; symbols: string; min_per_class: number; forbid_repeats?: number | undefined }>>, source: string): Record<Platform, PasswordRules> {
  const rules = { ...DEFAULT_PLATFORM_RULES };
  for (const [platform, o] of Object.entries(overrides) as [Platform, NonNullable<(typeof overrides)[Platform]>][]) {
    const r: PasswordRules = { length: o.length, minLength: o.min_length, maxLength: o.max_length, classes: o.classes, symbols: o.symbols, minPerClass: o.min_per_class, ...(o.forbid_repeats ? { forbidRepeats: o.forbid_repeats } : {}) };
    try {
      validateRules(r);
    } catch (error) {
      throw new GmvError('POLICY_INVALID', { source, detail: `platforms.${platform}: ${(error as GmvError).params?.detail ?? (error as Error).message}` });
    }
    rules[platform] = r;
  }
  return rules;
}

export { MIN_RETENTION_DAYS };

/** Parse and validate a policy pack; `source` names it in errors. */
export async function parsePolicy(text: string, source: string): Promise<Policy> {
  const [{ parse }, { z }] = await Promise.all([import('yaml'), import('zod')]);
  const schema = z.strictObject({
    name: z.string().min(1),
    version: z.number().int().positive(),
    audit: z.strictObject({
      retention_days: z.number().int().min(MIN_RETENTION_DAYS, `retention below ${MIN_RETENTION_DAYS} days (6 months)`),
    }),
    passphrase: z.strictObject({
      min_length: z.number().int().min(8).max(1024),
      kdf: z.strictObject({
        memory_kib: z.number().int().min(MIN_KDF.memoryKiB).max(4 * 1024 * 1024),
        iterations: z.number().int().min(MIN_KDF.iterations).max(64),
        parallelism: z.number().int().min(MIN_KDF.parallelism).max(64),
      }),
    }),
    session: z.strictObject({
      idle_minutes: z.number().positive().max(24 * 60),
      max_hours: z.number().positive().max(24 * 7),
    }),
    login: z.strictObject({
      max_failures: z.number().int().min(1).max(100),
      backoff_seconds: z.number().int().min(0).max(900),
    }),
    devices: z.strictObject({
      certificate_days: z.number().int().min(1).max(3650),
      crl_days: z.number().int().min(1).max(366),
    }),
    credentials: z.strictObject({
      history: z.number().int().min(1).max(50),
      recovery_codes_low: z.number().int().min(0).max(100),
      clipboard_seconds: z.number().int().min(5).max(600),
    }),
    rotation: z.strictObject({
      periodic_days: z.number().int().min(0).max(3650),
      event_due_days: z.number().int().min(0).max(90),
    }),
    platforms: z.partialRecord(z.enum(PLATFORMS), z.strictObject({
      length: z.number().int().min(8).max(128),
      min_length: z.number().int().min(1).max(128),
      max_length: z.number().int().min(8).max(256),
      classes: z.array(z.enum(CHAR_CLASSES)).min(1),
      symbols: z.string().regex(/^[!-/:-@[-`{-~]*$/, 'ASCII punctuation only').default(''),
      min_per_class: z.number().int().min(0).max(8).default(1),
      forbid_repeats: z.number().int().min(1).max(16).optional(),
    })).default({}),
  });
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new GmvError('POLICY_INVALID', { source, detail: (error as Error).message.split('\n')[0] ?? 'YAML error' });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new GmvError('POLICY_INVALID', { source, detail: `${issue.path.join('.') || '(root)'}: ${issue.message}` });
  }
  const p = result.data;
  return {
    name: p.name,
    version: p.version,
    audit: { retentionDays: p.audit.retention_days },
    passphrase: {
      minLength: p.passphrase.min_length,
      kdf: { memoryKiB: p.passphrase.kdf.memory_kib, iterations: p.passphrase.kdf.iterations, parallelism: p.passphrase.kdf.parallelism },
    },
    session: { idleSeconds: Math.max(1, Math.round(p.session.idle_minutes * 60)), maxSeconds: Math.max(1, Math.round(p.session.max_hours * 3600)) },
    login: { maxFailures: p.login.max_failures, backoffSeconds: p.login.backoff_seconds },
    devices: { certificateDays: p.devices.certificate_days, crlDays: p.devices.crl_days },
    credentials: { history: p.credentials.history, recoveryCodesLow: p.credentials.recovery_codes_low, clipboardSeconds: p.credentials.clipboard_seconds },
    rotation: { periodicDays: p.rotation.periodic_days, eventDueDays: p.rotation.event_due_days },
    platforms: platformRules(p.platforms, source),
  };
}
