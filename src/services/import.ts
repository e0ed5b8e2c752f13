/**
 * gmv import: bring accounts over from Bitwarden, KeePassXC or otpauth lists, all or nothing. A
 * dry run shows what would be created; any malformed row (reported by line) stops the whole import.
 */
import { GmvError } from '../errors.js';
import { parseImport, type ImportFormat, type ImportedItem, type RowProblem } from '../domain/import/index.js';
import { PLATFORMS, type Platform } from '../domain/password-gen.js';
import { isSlug } from '../domain/names.js';
import { readCsv } from '../domain/import/csv.js';
import { rolesOf } from '../store/people.js';
import type { CredentialContent } from '../domain/credential.js';
import type { AuditDraft } from '../audit/entry.js';
import { authorize, sealContext } from './access.js';
import { checkedGrantee } from './grants.js';
import { writeFirstVersions, type Grantee } from './credential-store.js';
import { keyedPasswordHash, newHistoryKey } from './password-history.js';
import type { Capability } from './access.js';

import { inBatches, insertMany } from '../store/batches.js';
import { refreshEstimates } from '../store/store.js';
import type { SessionActor } from './session.js';
import { commitChange, type Vault } from './vault.js';
import { personSealer } from './accounts.js';
import { orgSecretFor } from './officer-keys.js';
import type { CheckpointSigner } from '../audit/log.js';
import { certifiedKeyOf, writeSeal } from './state-seals.js';

/** One account an import creates: its fields, and what of the row gmv has no field for (`url`: it only tells the platform). */
export interface PlannedAccount { line: number; slug: string; name: string; platform: Platform; fields: string[]; notKept: string[] }
export interface ImportPlan {
  format: ImportFormat;
  unit: string;
  accounts: PlannedAccount[];
  /** Rows that stop the import. */
  errors: RowProblem[];
  /** Rows that are not credentials (secure notes, recycle bin): left out, listed. */
  skipped: RowProblem[];
  items: ImportedItem[];
}

/** Which platform a login URL belongs to (the default when none matches). */
const HOSTS: [RegExp, Platform][] = [
  [/(^|\.)weibo\.(com|cn)$/, 'weibo'],
  [/^mp\.weixin\.qq\.com$/, 'wechat-oa'],
  [/^channels\.weixin\.qq\.com$/, 'wechat-channels'],
  [/(^|\.)douyin\.com$/, 'douyin'],
  [/(^|\.)toutiao\.com$/, 'toutiao'],
  [/(^|\.)kuaishou\.com$/, 'kuaishou'],
  [/(^|\.)bilibili\.com$/, 'bilibili'],
  [/(^|\.)xiaohongshu\.com$/, 'xiaohongshu'],
];

function hasNotes(item: ImportedItem): boolean {
  return item.notes !== undefined && item.notes.trim() !== '';
}

function platformOf(uri: string | undefined, fallback: Platform): Platform {
  if (!uri) return fallback;
  let host: string;
  try {
    host = new URL(/^[a-z]+:\/\//i.test(uri) ? uri : `https://${uri}`).hostname.toLowerCase();
  } catch {
    return fallback;
  }
  return HOSTS.find(([re]) => re.test(host))?.[1] ?? fallback;
}

const HAN = /\p{Script=Han}/u;
type Romanize = (name: string) => string;

/** Chinese characters in pinyin (沈阳发布 → shen yang fa bu), through pinyin-pro, loaded only when a name needs it. */
async function romanizer(names: readonly string[]): Promise<Romanize> {
  if (!names.some((n) => HAN.test(n))) return (name) => name;
  const { pinyin } = await import('pinyin-pro');
  return (name) => (HAN.test(name) ? pinyin(name, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true }).join(' ') : name);
}

/**
 * A slug from the item's name (its words, Chinese ones in pinyin) or its platform, made unique
 * against `taken`. `next` remembers the next suffix per base, so many rows of one name cost one
 * step each, not one per earlier row. A slug the map names for the title is taken as it is.
 */
function slugFor(item: ImportedItem, platform: Platform, taken: Set<string>, next: Map<string, number>, romanize: Romanize, mapped?: string): string {
  if (mapped !== undefined) {
    if (taken.has(mapped)) throw new GmvError('ACCOUNT_EXISTS', { slug: mapped });
    taken.add(mapped);
    return mapped;
  }
  const ascii = romanize(item.name).toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48).replace(/-+$/, '');
  const base = isSlug(ascii) ? ascii : `${platform}-import`;
  let slug = base;
  if (taken.has(slug)) {
    let n = next.get(base) ?? 2;
    do slug = `${base}-${n++}`; while (taken.has(slug));
    next.set(base, n);
  }
  taken.add(slug);
  return slug;
}

/**
 * The unit imported accounts go to: the one named, else the importing person's unit, else the
 * organisation's only unit.
 */
async function importUnit(vault: Vault, named: string | undefined, personId: number | undefined): Promise<string> {
  const db = vault.store.db;
  if (named) {
    if (!(await db.selectFrom('units').select('id').where('name', '=', named).executeTakeFirst())) throw new GmvError('UNIT_NOT_FOUND', { unit: named });
    return named;
  }
  if (personId !== undefined) {
    const mine = await db.selectFrom('people').innerJoin('units', 'units.id', 'people.unit_id').select('units.name').where('people.id', '=', personId).executeTakeFirst();
    if (mine) return mine.name;
  }
  const units = await db.selectFrom('units').select('name').execute();
  if (units.length === 1) return units[0]!.name;
  throw new GmvError('USAGE', { detail: 'detail.importUnitAmbiguous' });
}

/**
 * A slug map (`--slug-map`): CSV lines `title,slug`, for titles whose generated slug is not the one
 * wanted. Every slug is checked; a title named twice is an error at its line.
 */
export function parseSlugMap(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const record of readCsv(text)) {
    const [title, slug, ...rest] = record.fields.map((f) => f.trim());
    if (record.malformed || !title || !slug || rest.some((f) => f !== '')) throw new GmvError('INVALID_INPUT', { what: 'what.slugMap', detail: 'detail.slugMapLine', line: record.line });
    if (record.line === 1 && title.toLowerCase() === 'title' && slug.toLowerCase() === 'slug') continue;
    // A slug is short: a long bad value is quoted by its start, not pasted whole into the message.
    if (!isSlug(slug)) throw new GmvError('INVALID_INPUT', { what: 'what.slugMap', detail: 'detail.slugMapNotSlug', line: record.line, slug: [...slug].length > 64 ? `${[...slug].slice(0, 64).join('')}…` : slug });
    if (map.has(title)) throw new GmvError('INVALID_INPUT', { what: 'what.slugMap', detail: 'detail.slugMapTwice', line: record.line });
    map.set(title, slug);
  }
  return map;
}

export async function planImport(vault: Vault, format: ImportFormat, text: string, options: { unit?: string; platform?: string; personId?: number; slugMap?: Map<string, string> }): Promise<ImportPlan> {
  const fallback = (options.platform ?? 'other') as Platform;
  if (!(PLATFORMS as readonly string[]).includes(fallback)) throw new GmvError('USAGE', { detail: 'detail.platformUnknown', platform: fallback, platforms: PLATFORMS.join(', ') });
  const db = vault.store.db;
  const unit = await importUnit(vault, options.unit, options.personId);
  const report = parseImport(format, text);
  const taken = new Set((await db.selectFrom('accounts').select('slug').execute()).map((a) => a.slug));
  const next = new Map<string, number>();
  const romanize = await romanizer(report.items.map((i) => i.name));
  // Mapped slugs first, so that a generated one never takes a slug the map gives another title.
  const mapped = options.slugMap ?? new Map<string, string>();
  const reserved = new Set([...mapped.values()].filter((slug) => report.items.some((i) => mapped.get(i.name) === slug)));
  for (const slug of reserved) if (taken.has(slug)) throw new GmvError('ACCOUNT_EXISTS', { slug });
  const generatedTaken = new Set([...taken, ...reserved]);
  const accounts = report.items.map((item) => {
    const platform = platformOf(item.uri, fallback);
    const fields = [item.password !== undefined && 'password', item.loginId !== undefined && 'login', item.totp !== undefined && 'totp', hasNotes(item) && 'notes'].filter((f): f is string => Boolean(f));
    const notKept = item.uri ? ['url'] : [];
    const slug = mapped.has(item.name) ? slugFor(item, platform, taken, next, romanize, mapped.get(item.name)) : slugFor(item, platform, generatedTaken, next, romanize);
    return { line: item.line, slug, name: item.name, platform, fields, notKept };
  });
  const errors = report.errors.filter((e) => !e.reason.startsWith('detail.importSkipped'));
  const skipped = report.errors.filter((e) => e.reason.startsWith('detail.importSkipped'));
  for (const a of accounts) if (!a.fields.some((f) => f !== 'notes')) errors.push({ line: a.line, reason: 'detail.importRowNoFields' });
  errors.sort((x, y) => x.line - y.line);
  return { format, unit, accounts, errors, skipped, items: report.items };
}

/**
 * Create every planned account with its first version, in one transaction of a few statements per
 * 500 accounts. `grant` names people who get a grant of `can` on every imported account in the same
 * change (each checked as `gmv grant add` checks them: active, with a device, trained).
 */
export async function applyImport(vault: Vault, actor: SessionActor, plan: ImportPlan, options: { grant?: readonly string[]; can?: Capability[]; onProgress?: (done: number, total: number) => void } = {}): Promise<{ created: number; granted: string[] }> {
  if (plan.errors.length > 0) throw new GmvError('INVALID_INPUT', { what: 'what.import', detail: 'detail.importRowsBad', count: plan.errors.length });
  await authorize(vault, actor, 'account.manage', `import:${plan.format}`);
  const db = vault.store.db;
  const unit = await db.selectFrom('units').select('id').where('name', '=', plan.unit).executeTakeFirstOrThrow();
  const roles = await rolesOf(db, actor.personId);
  // An account admin manages what they import: their grant, and so their wrap of every field.
  const admin = roles.includes('account-admin');
  const importer = admin ? [await certifiedKeyOf(db, sealContext(vault), actor.keyFingerprint)] : [];
  const grantees: Grantee[] = importer.map((k) => ({ ...k, can: ['reveal', 'otp', 'manage'] as Capability[] }));
  const can = JSON.stringify(['reveal', 'otp', 'manage']);
  const extraCan: Capability[] = options.can ?? ['reveal', 'otp'];
  const extra: (Grantee & { login: string })[] = [];
  for (const login of new Set(options.grant ?? [])) {
    if (login === actor.login && admin) continue;
    extra.push({ ...await checkedGrantee(vault, actor, login), can: extraCan, login });
  }
  const granted = extra.map((g) => g.login);
  // The importer's own grants are sealed by their key; grants to others by the organisation key,
  // which only an officer (who alone may grant) holds.
  const selfSealer = admin ? personSealer(actor) : null;
  const orgSealer = extra.length > 0 ? await orgSecretFor(vault, actor) : null;
  await commitChange(vault, async (trx) => {
    const at = vault.now();
    const iso = at.toISOString();
    const audit: AuditDraft[] = [];
    let done = 0;
    const batches = inBatches(plan.accounts.map((planned, i) => ({ planned, item: plan.items[i]! })));
    // The accounts first, for their ids: the grants on them are then sealed as they are written
    // (a seal names the grants' fields, not their row ids) instead of read back and updated.
    const ids = new Map<string, number>();
    for (const rows of batches) {
      const slugs = rows.map((r) => r.planned.slug);
      const taken = await trx.selectFrom('accounts').select('slug').where('slug', 'in', slugs).executeTakeFirst();
      if (taken) throw new GmvError('ACCOUNT_EXISTS', { slug: taken.slug });
      await insertMany(trx, 'accounts', rows.map(({ planned }) => ({
        slug: planned.slug, platform: planned.platform, name: planned.name.slice(0, 200), unit_id: Number(unit.id), login_id: null,
        filing_number: null, filed_on: null, status: 'active', created_at: iso, archived_at: null,
      })));
      for (const r of await trx.selectFrom('accounts').select(['id', 'slug']).where('slug', 'in', slugs).execute()) ids.set(r.slug, Number(r.id));
    }
    const created = plan.accounts.map((planned) => ids.get(planned.slug)!);
    const sealOf = (personId: number, grantCan: readonly string[], signer: CheckpointSigner) => writeSeal(trx, vault.vaultId, signer,
      created.map((account) => ({ kind: 'grant' as const, person: personId, account, can: grantCan, until: null, grantedAt: iso })), iso);
    const selfSeal = selfSealer ? await sealOf(actor.personId, JSON.parse(can) as string[], selfSealer) : null;
    const extraSeals = new Map<number, number>();
    for (const g of extra) extraSeals.set(g.personId, await sealOf(g.personId, g.can, orgSealer!));
    for (const rows of batches) {
      const chunk = rows.map((r) => r.planned);
      if (admin) {
        await insertMany(trx, 'grants', chunk.map((planned) => ({ person_id: actor.personId, account_id: ids.get(planned.slug)!, can, until: null, granted_by: actor.login, granted_at: iso, removed_by: null, removed_at: null, seal: selfSeal })));
      }
      for (const g of extra) {
        await insertMany(trx, 'grants', chunk.map((planned) => ({ person_id: g.personId, account_id: ids.get(planned.slug)!, can: JSON.stringify(g.can), until: null, granted_by: actor.login, granted_at: iso, removed_by: null, removed_at: null, seal: extraSeals.get(g.personId)! })));
      }
      const versions = rows.map(({ planned, item }) => {
        const content: CredentialContent = {};
        if (item.password !== undefined) content.password = item.password;
        if (item.loginId !== undefined) content.login = item.loginId;
        if (item.totp !== undefined) content.totp = item.totp;
        if (hasNotes(item)) content.notes = item.notes;
        const account = { id: ids.get(planned.slug)!, slug: planned.slug };
        const historyKey = newHistoryKey();
        return { account, content, historyKey, passwordHash: item.password === undefined ? null : keyedPasswordHash(historyKey, account.id, item.password) };
      });
      try {
        await writeFirstVersions(trx, versions, [...grantees, ...extra], { reason: `import ${plan.format}`, by: actor.login, at });
      } finally {
        for (const v of versions) v.historyKey.fill(0);
      }
      for (const planned of chunk) {
        audit.push({ action: 'account.add', actor: actor.login, subject: planned.slug, outcome: 'ok', details: { platform: planned.platform, unit: plan.unit, imported_from: plan.format, line: planned.line, fields: planned.fields, version: 1 } });
        // The importer's own grant is recorded like any other (the verifier replays grants from the log).
        if (admin) audit.push({ action: 'grant.add', actor: actor.login, subject: planned.slug, outcome: 'ok', details: { person: actor.login, can: ['reveal', 'otp', 'manage'], until: null, automatic: true } });
        for (const g of extra) audit.push({ action: 'grant.add', actor: actor.login, subject: planned.slug, outcome: 'ok', details: { person: g.login, can: g.can, until: null, wrapped_version: 1 } });
      }
      done += rows.length;
      options.onProgress?.(done, plan.accounts.length);
    }
    audit.push({ action: 'import', actor: actor.login, subject: plan.unit, outcome: 'ok', details: { format: plan.format, accounts: plan.accounts.length, ...(granted.length ? { granted } : {}) } });
    return { result: undefined, audit };
  }, { by: actor });
  await refreshEstimates(db, vault.store.dialect, ['accounts', 'grants', 'credential_versions', 'wraps', 'state_seals', 'audit_entries']);
  return { created: plan.accounts.length, granted };
}
