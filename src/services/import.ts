/**
 * gmv import: bring accounts over from Bitwarden, KeePassXC or otpauth lists, all or nothing. A
 * dry run shows what would be created; any malformed row (reported by line) stops the whole import.
 */
import { GmvError } from '../errors.js';
import { parseImport, type ImportFormat, type ImportedItem } from '../domain/import/index.js';
import { PLATFORMS, type Platform } from '../domain/password-gen.js';
import { isSlug } from '../domain/names.js';
import { rolesOf } from '../store/people.js';
import type { CredentialContent } from '../domain/credential.js';
import type { AuditDraft } from '../audit/entry.js';
import { authorize } from './access.js';
import { writeFirstVersions, type Grantee } from './credential-store.js';
import { keyedPasswordHash, newHistoryKey } from './password-history.js';
import { readPublic } from '../crypto/pgp.js';
import type { Capability } from './access.js';

/** Accounts per statement: well inside SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;
import type { SessionActor } from './session.js';
import { commitChange, type Vault } from './vault.js';

export interface PlannedAccount { line: number; slug: string; name: string; platform: Platform; fields: string[] }
export interface ImportPlan {
  format: ImportFormat;
  unit: string;
  accounts: PlannedAccount[];
  /** Rows that stop the import. */
  errors: { line: number; reason: string }[];
  /** Rows that are not credentials (secure notes, recycle bin): left out, listed. */
  skipped: { line: number; reason: string }[];
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

/**
 * A slug from the item's name (ASCII words) or its platform, made unique against `taken`. `next`
 * remembers the next suffix per base, so many rows of one name cost one step each, not one per
 * earlier row.
 */
function slugFor(item: ImportedItem, platform: Platform, taken: Set<string>, next: Map<string, number>): string {
  const ascii = item.name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
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
  throw new GmvError('USAGE', { detail: 'several units exist: name the one that owns the imported accounts with --unit' });
}

export async function planImport(vault: Vault, format: ImportFormat, text: string, options: { unit?: string; platform?: string; personId?: number }): Promise<ImportPlan> {
  const fallback = (options.platform ?? 'other') as Platform;
  if (!(PLATFORMS as readonly string[]).includes(fallback)) throw new GmvError('USAGE', { detail: `unknown platform "${fallback}"; platforms are ${PLATFORMS.join(', ')}` });
  const db = vault.store.db;
  const unit = await importUnit(vault, options.unit, options.personId);
  const report = parseImport(format, text);
  const taken = new Set((await db.selectFrom('accounts').select('slug').execute()).map((a) => a.slug));
  const next = new Map<string, number>();
  const accounts = report.items.map((item) => {
    const platform = platformOf(item.uri, fallback);
    const fields = [item.password !== undefined && 'password', item.loginId !== undefined && 'login', item.totp !== undefined && 'totp'].filter((f): f is string => Boolean(f));
    return { line: item.line, slug: slugFor(item, platform, taken, next), name: item.name, platform, fields };
  });
  const errors = report.errors.filter((e) => !e.reason.startsWith('skipped'));
  const skipped = report.errors.filter((e) => e.reason.startsWith('skipped'));
  for (const a of accounts) if (a.fields.length === 0) errors.push({ line: a.line, reason: 'no password, login or TOTP to import' });
  errors.sort((x, y) => x.line - y.line);
  return { format, unit, accounts, errors, skipped, items: report.items };
}

/** Create every planned account with its first version, in one transaction of a few statements per 500 accounts. */
export async function applyImport(vault: Vault, actor: SessionActor, plan: ImportPlan): Promise<{ created: number }> {
  if (plan.errors.length > 0) throw new GmvError('INVALID_INPUT', { what: 'import', detail: `${plan.errors.length} rows have problems; nothing was imported` });
  await authorize(vault, actor, 'account.manage', `import:${plan.format}`);
  const db = vault.store.db;
  const unit = await db.selectFrom('units').select('id').where('name', '=', plan.unit).executeTakeFirstOrThrow();
  const roles = await rolesOf(db, actor.personId);
  // An account admin manages what they import: their grant, and so their wrap of every field.
  const admin = roles.includes('account-admin');
  const importer = admin ? await db.selectFrom('person_keys').select(['fingerprint', 'public_key']).where('person_id', '=', actor.personId).where('status', '=', 'active').execute() : [];
  const grantees: Grantee[] = await Promise.all(importer.map(async (k) => ({ personId: actor.personId, fingerprint: k.fingerprint, publicKey: await readPublic(k.public_key), can: ['reveal', 'otp', 'manage'] as Capability[] })));
  const can = JSON.stringify(['reveal', 'otp', 'manage']);
  await commitChange(vault, async (trx) => {
    const at = vault.now();
    const iso = at.toISOString();
    const audit: AuditDraft[] = [];
    for (let start = 0; start < plan.accounts.length; start += CHUNK) {
      const chunk = plan.accounts.slice(start, start + CHUNK);
      const slugs = chunk.map((a) => a.slug);
      const taken = await trx.selectFrom('accounts').select('slug').where('slug', 'in', slugs).executeTakeFirst();
      if (taken) throw new GmvError('ACCOUNT_EXISTS', { slug: taken.slug });
      await trx.insertInto('accounts').values(chunk.map((planned) => ({
        slug: planned.slug, platform: planned.platform, name: planned.name.slice(0, 200), unit_id: Number(unit.id), login_id: null,
        filing_number: null, filed_on: null, status: 'active', created_at: iso, archived_at: null,
      }))).execute();
      const ids = new Map((await trx.selectFrom('accounts').select(['id', 'slug']).where('slug', 'in', slugs).execute()).map((r) => [r.slug, Number(r.id)]));
      if (admin) {
        await trx.insertInto('grants').values(chunk.map((planned) => ({ person_id: actor.personId, account_id: ids.get(planned.slug)!, can, until: null, granted_by: actor.login, granted_at: iso, removed_by: null, removed_at: null }))).execute();
      }
      const versions = chunk.map((planned, i) => {
        const item = plan.items[start + i]!;
        const content: CredentialContent = {};
        if (item.password !== undefined) content.password = item.password;
        if (item.loginId !== undefined) content.login = item.loginId;
        if (item.totp !== undefined) content.totp = item.totp;
        const account = { id: ids.get(planned.slug)!, slug: planned.slug };
        const historyKey = newHistoryKey();
        return { account, content, historyKey, passwordHash: item.password === undefined ? null : keyedPasswordHash(historyKey, account.id, item.password) };
      });
      try {
        await writeFirstVersions(trx, versions, grantees, { reason: `import ${plan.format}`, by: actor.login, at });
      } finally {
        for (const v of versions) v.historyKey.fill(0);
      }
      for (const planned of chunk) {
        audit.push({ action: 'account.add', actor: actor.login, subject: planned.slug, outcome: 'ok', details: { platform: planned.platform, unit: plan.unit, imported_from: plan.format, line: planned.line, fields: planned.fields, version: 1 } });
        // The importer's own grant is recorded like any other (the verifier replays grants from the log).
        if (admin) audit.push({ action: 'grant.add', actor: actor.login, subject: planned.slug, outcome: 'ok', details: { person: actor.login, can: ['reveal', 'otp', 'manage'], until: null, automatic: true } });
      }
    }
    audit.push({ action: 'import', actor: actor.login, subject: plan.unit, outcome: 'ok', details: { format: plan.format, accounts: plan.accounts.length } });
    return { result: undefined, audit };
  }, { by: actor });
  return { created: plan.accounts.length };
}
