/**
 * The long listings (account register, grants, audit log) as one SQL statement each over the plain
 * reader, joined and counted in the database and read a page at a time: the same text runs on
 * SQLite and PostgreSQL, and nothing but the page in hand is held (the oclif-free path uses them too).
 */
import type { Reader } from './reader.js';
import type { AccountView } from '../services/accounts.js';
import type { GrantView } from '../services/grants.js';
import type { AuditBody, AuditEntry } from '../audit/entry.js';
import type { Capability } from '../services/access.js';
import type { Platform } from '../domain/password-gen.js';

/** Rows per page: large enough that a round trip per page is noise, small enough to stay a few hundred KiB. */
export const PAGE_SIZE = 500;

export interface AccountFilter { unit?: string; platform?: string; status?: string; grantee?: string; slug?: string }

/** A grant in force at `?` (an ISO-8601 instant; stored instants are ISO-8601 UTC, so text order is time order). */
const IN_FORCE = 'g.removed_at is null and (g.until is null or g.until > ?)';

/** The accounts `filter` selects (joined to their unit `u`), with the parameters of `where`, in order. */
function accountWhere(filter: AccountFilter, now: string): { where: string; params: unknown[] } {
  const where = ['a.status = ?'];
  const params: unknown[] = [filter.status ?? 'active'];
  if (filter.unit) { where.push('u.name = ?'); params.push(filter.unit); }
  if (filter.platform) { where.push('a.platform = ?'); params.push(filter.platform); }
  if (filter.slug) { where.push('a.slug = ?'); params.push(filter.slug); }
  if (filter.grantee) {
    where.push(`exists (select 1 from grants g join people p on p.id = g.person_id where g.account_id = a.id and p.login = ? and ${IN_FORCE})`);
    params.push(filter.grantee, now);
  }
  return { where: where.join(' and '), params };
}

/**
 * What the register reads of account `a` beyond its own row: its newest version as `v`, its
 * grantees in force, oldest grant first (their logins comma-separated, or as JSON `[login, can,
 * until]` terms) and whether a rotation is pending (1 or 0), each per account from an index, so that rows
 * come out in slug order as they are joined (the accounts read by their slug index, nothing sorted
 * at the end). A listing then costs the server about as long as the client takes to print it, and
 * on PostgreSQL the two overlap: the reader asks for the next page while this one prints
 * (reader.ts#prefetched). Aggregating the versions and grants once each and joining them by hash
 * reads less in all, but nothing comes out before the last row is joined and sorted, and the client
 * waits for all of it. SQLite has no LATERAL: it finds the newest version's id from the
 * (account, version) index and then the row by its key.
 */
function accountParts(reader: Reader, grantees: 'logins' | 'terms'): { grantees: string; rotating: string; joins: string } {
  const inForce = `from grants g join people p on p.id = g.person_id where g.account_id = a.id and ${IN_FORCE}`;
  const sqlite = reader.dialect === 'sqlite';
  return {
    // PostgreSQL 15 sorts the input of an ordered aggregate once per account even when an index
    // gives it in order; an ARRAY() of the ordered subquery reads it from the index as it stands.
    grantees: grantees === 'logins'
      ? (sqlite ? `coalesce((select group_concat(p.login, ',' order by g.id) ${inForce}), '')` : `array_to_string(array(select p.login ${inForce} order by g.id), ',')`)
      : (sqlite ? `coalesce((select json_group_array(json_array(p.login, json(g.can), g.until) order by g.id) ${inForce}), '[]')`
        : `array_to_json(array(select json_build_array(p.login, g.can::json, g.until) ${inForce} order by g.id))::text`),
    rotating: 'case when exists (select 1 from rotations t where t.account_id = a.id) then 1 else 0 end',
    joins: sqlite
      ? 'left join credential_versions v on v.id = (select m.id from credential_versions m where m.account_id = a.id order by m.version desc limit 1)'
      : 'left join lateral (select m.version, m.fields from credential_versions m where m.account_id = a.id order by m.version desc limit 1) v on true',
  };
}

function accountQuery(reader: Reader, filter: AccountFilter, now: string): { text: string; params: unknown[] } {
  const { where, params } = accountWhere(filter, now);
  const parts = accountParts(reader, 'terms');
  const text = `select a.slug, a.platform, a.name, u.name, a.login_id, a.filing_number, a.filed_on, a.filing_office,
      a.closure_announced_on, a.closure_not_before, a.status, a.created_at, v.version, v.fields,
      (select count(*) from recovery_code_uses r where r.account_id = a.id and r.version = v.version),
      ${parts.grantees}, ${parts.rotating}
    from accounts a join units u on u.id = a.unit_id
    ${parts.joins}
    where ${where}
    order by a.slug`;
  return { text, params: [now, ...params] };
}

const text = (cell: unknown): string | null => (cell === null || cell === undefined ? null : String(cell));

function accountView(row: unknown[]): AccountView {
  const [slug, platform, name, unit, loginId, filingNumber, filedOn, filingOffice, announcedOn, notBefore, status, createdAt, version, fields, used, grantees, rotating] = row;
  const summary = fields === null || fields === undefined ? null : (JSON.parse(String(fields)) as { fields: string[]; recoveryCodes: number });
  return {
    slug: String(slug), platform: String(platform) as Platform, name: String(name), unit: String(unit), loginId: text(loginId), filingNumber: text(filingNumber), filedOn: text(filedOn),
    filingOffice: text(filingOffice), closure: announcedOn && notBefore ? { announcedOn: String(announcedOn), notBefore: String(notBefore) } : null,
    status: String(status), createdAt: String(createdAt), version: version === null || version === undefined ? null : Number(version), fields: summary?.fields ?? [],
    recoveryCodesLeft: summary && summary.recoveryCodes > 0 ? summary.recoveryCodes - Number(used) : null,
    grantees: (JSON.parse(String(grantees)) as [string, string[], string | null][]).map(([login, can, until]) => ({ login, can, until })),
    rotationPending: Number(rotating) !== 0,
  };
}

/** The accounts matching `filter`, ordered by slug, a page at a time; grants count when in force at `now`. */
export async function* accountPages(reader: Reader, filter: AccountFilter, now: Date): AsyncIterable<AccountView[]> {
  const query = accountQuery(reader, filter, now.toISOString());
  for await (const page of reader.pages(query.text, query.params, PAGE_SIZE)) yield page.map(accountView);
}

/** What a line of the human account table shows: the register without the columns only --json prints. */
export interface AccountLine {
  slug: string;
  platform: string;
  name: string;
  unit: string;
  version: number | null;
  /** Shared by the lines whose versions store the same fields. */
  fields: readonly string[];
  /** The logins of the grantees in force, oldest grant first, comma-separated ('' when none). */
  grantees: string;
  rotationPending: boolean;
}

/**
 * The lines of `gmv account list` for `filter`, ordered by slug, a page at a time: the rows
 * {@link accountPages} reads, without the filing, closure, recovery-code and grant-term columns
 * the table does not show, and with the grantees already joined in the database.
 */
export async function* accountLines(reader: Reader, filter: AccountFilter, now: Date): AsyncIterable<AccountLine[]> {
  const at = now.toISOString();
  const { where, params } = accountWhere(filter, at);
  // Logins are [a-z0-9._-] (domain/names.ts): a comma cannot occur in one.
  const parts = accountParts(reader, 'logins');
  const text = `select a.slug, a.platform, a.name, u.name, v.version, v.fields, ${parts.grantees}, ${parts.rotating}
    from accounts a join units u on u.id = a.unit_id
    ${parts.joins}
    where ${where}
    order by a.slug`;
  // Most versions store one of a few field sets: each distinct summary is parsed once.
  const summaries = new Map<string, string[]>();
  const fieldsOf = (summary: string) => {
    let fields = summaries.get(summary);
    if (!fields) summaries.set(summary, fields = (JSON.parse(summary) as { fields: string[] }).fields);
    return fields;
  };
  for await (const page of reader.pages(text, [at, ...params], PAGE_SIZE)) {
    yield page.map(([slug, platform, name, unit, version, fields, loginList, rotating]): AccountLine => ({
      slug: String(slug), platform: String(platform), name: String(name), unit: String(unit),
      version: version === null || version === undefined ? null : Number(version),
      fields: fields === null || fields === undefined ? [] : fieldsOf(String(fields)),
      grantees: loginList === null || loginList === undefined ? '' : String(loginList),
      rotationPending: Number(rotating) !== 0,
    }));
  }
}

export interface GrantFilter { login?: string; account?: string }

/** The grants in force at `now`, by account then person, with the newest version wrapped for the grantee. */
export async function* grantPages(reader: Reader, filter: GrantFilter, now: Date): AsyncIterable<GrantView[]> {
  const where = [IN_FORCE];
  const params: unknown[] = [now.toISOString()];
  if (filter.login) { where.push('p.login = ?'); params.push(filter.login); }
  if (filter.account) { where.push('a.slug = ?'); params.push(filter.account); }
  const query = `select p.login, a.slug, g.can, g.until, g.granted_by, g.granted_at,
      (select max(w.item_version) from wraps w where w.person_id = g.person_id and w.account_id = g.account_id and w.item_kind = 'credential' and w.revoked_at is null)
    from grants g join people p on p.id = g.person_id join accounts a on a.id = g.account_id
    where ${where.join(' and ')}
    order by a.slug, p.login`;
  for await (const page of reader.pages(query, params, PAGE_SIZE)) {
    yield page.map(([login, account, can, until, grantedBy, grantedAt, wrapped]): GrantView => ({
      login: String(login), slug: String(account), can: JSON.parse(String(can)) as Capability[], until: text(until), grantedBy: String(grantedBy), grantedAt: String(grantedAt),
      wrappedVersion: wrapped === null || wrapped === undefined ? null : Number(wrapped),
    }));
  }
}

export interface AuditLogQuery {
  actor?: string;
  subject?: string;
  action?: string;
  since?: Date;
  until?: Date;
  /** Only the last N matching entries (read from the end of the log by its key, not the whole log). */
  limit?: number;
}

/** Audit entries matching `query`, oldest first, a page at a time; a pruned entry shows its indexed columns. */
export async function* auditPages(reader: Reader, vaultId: string, query: AuditLogQuery): AsyncIterable<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.actor) { where.push('actor = ?'); params.push(query.actor); }
  if (query.subject) { where.push('subject = ?'); params.push(query.subject); }
  // "device.*" selects a family of actions; anything else is an exact name.
  if (query.action) { where.push(query.action.endsWith('.*') ? 'action like ?' : 'action = ?'); params.push(query.action.endsWith('.*') ? `${query.action.slice(0, -1)}%` : query.action); }
  if (query.since) { where.push('at >= ?'); params.push(query.since.toISOString()); }
  if (query.until) { where.push('at <= ?'); params.push(query.until.toISOString()); }
  const select = `select seq, at, action, actor, subject, outcome, body from audit_entries${where.length ? ` where ${where.join(' and ')}` : ''}`;
  const sql = query.limit ? `select * from (${select} order by seq desc limit ?) tail order by seq` : `${select} order by seq`;
  if (query.limit) params.push(Math.trunc(query.limit));
  for await (const page of reader.pages(sql, params, PAGE_SIZE)) {
    yield page.map(([seq, at, action, actor, subject, outcome, body]): AuditEntry => body === null || body === undefined
      ? { v: 1, vault: vaultId, seq: Number(seq), at: String(at), device: null, action: String(action), actor: text(actor), subject: text(subject), outcome: String(outcome) as AuditBody['outcome'], details: {}, present: false }
      : { ...(JSON.parse(String(body)) as AuditBody), present: true });
  }
}

/** Every page's items in one array, for callers that need the whole result (reports, a single account). */
export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}
