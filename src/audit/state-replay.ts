/**
 * The state that decides access, replayed from the log: who holds which roles, which grants are in
 * force with which capabilities, who has a second factor, who is locked out, which policy pack is
 * enforced. `gmv audit verify` compares the replay with the tables and names every row that
 * disagrees, so a direct SQL change (`update people set roles = …`, a planted grant row, a deleted
 * `mfa_totp` or `login_throttle` row, a laxer `policies` row) is an integrity failure, not a
 * silent grant of power. Only entries under a valid signed checkpoint are replayed: a change
 * forged into the unsigned tail has no standing.
 */
import { createHash } from 'node:crypto';
import type { Reader } from '../store/reader.js';
import { GmvError } from '../errors.js';

/** Actions that change the replayed state (matched on the canonical body's first key, see actionOf). */
const ACTIONS: ReadonlySet<string> = new Set(['person.add', 'person.roles', 'grant.add', 'grant.remove', 'grant.expire', 'mfa.enroll.start',
  'mfa.enroll.confirm', 'auth.locked', 'person.unlock', 'recovery.use', 'vault.init', 'policy.apply']);

interface Body { action: string; actor: string | null; subject: string | null; outcome: string; details: Record<string, unknown> }

/** One disagreement: `detail` is a catalogue key (detail.replay*), rendered with `params` in the reader's language. */
export interface StateMismatch { table: string; row: string; detail: string; params?: Record<string, string> }

export class StateReplay {
  private readonly events: { seq: number; text: string }[] = [];

  /**
   * Offer one entry body in log order with its action (actionOf: the scan reads it once for all its
   * checks); only the few actions that change access state are kept.
   */
  offer(seq: number, action: string, text: string): void {
    if (ACTIONS.has(action)) this.events.push({ seq, text });
  }

  private tables: Tables | null = null;

  /** Read the tables to compare, inside the same read snapshot as the entries. */
  async capture(reader: Reader): Promise<void> {
    this.tables = {
      people: await reader.rows('select login, roles from people order by id'),
      grants: await reader.rows(`select p.login, a.slug, g.can, g.until from grants g join people p on p.id = g.person_id
        join accounts a on a.id = g.account_id where g.removed_at is null order by g.id`),
      mfa: (await reader.rows(`select p.login from mfa_totp m join people p on p.id = m.person_id where m.status = 'active'`)).map(([l]) => String(l)),
      locked: (await reader.rows('select p.login from login_throttle t join people p on p.id = t.person_id where t.locked_at is not null')).map(([l]) => String(l)),
      ...(await policyRows(reader)),
    };
  }

  /**
   * Replay the entries before `signedSize` and compare with the captured tables. After a prune the
   * oldest entries are gone, so a row the remaining log does not mention is not reported then.
   */
  compare(signedSize: number, pruned: boolean): StateMismatch[] {
    const tables = this.tables;
    if (!tables) return [];
    const roles = new Map<string, string[]>();
    const grants = new Map<string, { can: string[]; until: string | null }>();
    const mfa = new Set<string>();
    const locked = new Set<string>();
    let packSha: string | null = null;
    let overrideSha: string | null = null;
    for (const { seq, text } of this.events) {
      if (seq >= signedSize) break;
      const body = JSON.parse(text) as Body;
      const d = body.details ?? {};
      const subject = body.subject ?? '';
      if (body.action === 'auth.locked') {
        locked.add(subject);
        continue;
      }
      if (body.outcome !== 'ok') continue;
      switch (body.action) {
        case 'person.add': roles.set(subject, sorted(d.roles)); break;
        case 'person.roles': roles.set(subject, sorted(d.to)); break;
        case 'grant.add': grants.set(`${String(d.person)} on ${subject}`, { can: sorted(d.can), until: typeof d.until === 'string' ? d.until : null }); break;
        case 'grant.remove': case 'grant.expire': grants.delete(`${String(d.person)} on ${subject}`); break;
        // A new enrollment replaces the active seed with a pending one until it is confirmed.
        case 'mfa.enroll.start': mfa.delete(subject); break;
        case 'mfa.enroll.confirm': mfa.add(subject); break;
        case 'person.unlock': case 'recovery.use': locked.delete(subject); break;
        case 'vault.init': if (typeof d.policy_sha256 === 'string') packSha = d.policy_sha256; break;
        case 'policy.apply':
          if (typeof d.sha256 !== 'string') break;
          if (d.kind === 'override') overrideSha = d.sha256;
          else [packSha, overrideSha] = [d.sha256, null];
          break;
      }
    }
    const problems: StateMismatch[] = [];

    for (const [login, value] of tables.people) {
      const key = String(login);
      const logged = roles.get(key);
      const stored = jsonList(value);
      if (!logged) {
        if (!pruned) problems.push({ table: 'people', row: key, detail: 'detail.replayNoPersonEntry' });
      } else if (logged.join(',') !== stored.join(',')) {
        problems.push({ table: 'people', row: key, detail: 'detail.replayRoles', params: { stored: stored.join(',') || '-', logged: logged.join(',') || '-' } });
      }
    }

    const seen = new Set<string>();
    for (const [login, slug, can, until] of tables.grants) {
      const key = `${String(login)} on ${String(slug)}`;
      const logged = grants.get(key);
      const stored = jsonList(can);
      if (seen.has(key)) problems.push({ table: 'grants', row: key, detail: 'detail.replaySecondGrant' });
      seen.add(key);
      if (!logged) {
        if (!pruned) problems.push({ table: 'grants', row: key, detail: 'detail.replayNoGrantEntry' });
      } else if (logged.can.join(',') !== stored.join(',') || !sameInstant(logged.until, until)) {
        problems.push({ table: 'grants', row: key, detail: 'detail.replayGrantTerms', params: { stored: stored.join(','), storedUntil: String(until ?? '-'), logged: logged.can.join(','), loggedUntil: logged.until ?? '-' } });
      }
    }
    for (const key of grants.keys()) if (!seen.has(key)) problems.push({ table: 'grants', row: key, detail: 'detail.replayGrantMissing' });

    const enrolled = new Set(tables.mfa);
    for (const login of mfa) if (!enrolled.has(login)) problems.push({ table: 'mfa_totp', row: login, detail: 'detail.replayMfaMissing' });
    if (!pruned) for (const login of enrolled) if (!mfa.has(login)) problems.push({ table: 'mfa_totp', row: login, detail: 'detail.replayNoMfaEntry' });

    const lockedRows = new Set(tables.locked);
    for (const login of locked) if (!lockedRows.has(login)) problems.push({ table: 'login_throttle', row: login, detail: 'detail.replayLockMissing' });

    const checkPolicy = (row: unknown[] | null, logged: string | null, what: string) => {
      if (!row) {
        if (logged !== null) problems.push({ table: 'policies', row: what, detail: 'detail.replayPolicyNone', params: { logged: logged.slice(0, 12) } });
        return;
      }
      const [id, sha, body] = row;
      const actual = createHash('sha256').update(String(body), 'utf8').digest('hex');
      if (actual !== String(sha)) problems.push({ table: 'policies', row: `id ${String(id)}`, detail: 'detail.replayPolicyText' });
      else if (logged === null) problems.push({ table: 'policies', row: `id ${String(id)}`, detail: 'detail.replayPolicyUnlogged', params: { what, actual: actual.slice(0, 12) } });
      else if (logged !== actual) problems.push({ table: 'policies', row: `id ${String(id)}`, detail: 'detail.replayPolicyOther', params: { what, actual: actual.slice(0, 12), logged: logged.slice(0, 12) } });
    };
    if (packSha !== null || !pruned) checkPolicy(tables.pack, packSha, 'pack');
    if (overrideSha !== null || tables.override) checkPolicy(tables.override, overrideSha, 'override');
    return problems;
  }
}

interface Tables { people: unknown[][]; grants: unknown[][]; mfa: string[]; locked: string[]; pack: unknown[] | null; override: unknown[] | null }

/** The pack and override rows in force, as `activePolicy` finds them (vault_meta pointers, else the newest row). */
async function policyRows(reader: Reader): Promise<{ pack: unknown[] | null; override: unknown[] | null }> {
  const meta = new Map((await reader.rows(`select key, value from vault_meta where key in ('policy_pack', 'policy_override')`)).map(([k, v]) => [String(k), Number(v)]));
  const byId = async (id: number | undefined) => (id === undefined ? null : (await reader.rows('select id, sha256, body from policies where id = ?', [id]))[0] ?? null);
  const pack = meta.has('policy_pack') ? await byId(meta.get('policy_pack')) : (await reader.rows('select id, sha256, body from policies order by id desc limit 1'))[0] ?? null;
  return { pack, override: await byId(meta.get('policy_override')) };
}

function jsonList(value: unknown): string[] {
  try {
    return sorted(JSON.parse(String(value)));
  } catch {
    return ['(unreadable)'];
  }
}

/** Throw the first disagreement as an integrity failure naming the table and the row. */
export function assertStateAgrees(problems: StateMismatch[]): void {
  const first = problems[0];
  if (first) throw new GmvError('STATE_MISMATCH', { ...first.params, table: first.table, row: first.row, detail: first.detail, count: problems.length });
}

function sorted(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String).sort() : [];
}

function sameInstant(a: string | null, b: unknown): boolean {
  if (a === null || b === null || b === undefined) return a === null && (b === null || b === undefined);
  return Date.parse(a) === Date.parse(String(b));
}
