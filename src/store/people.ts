/**
 * The people read model: the one place a person's stored roles are parsed and checked. A value
 * that is not a list of known roles stops as an integrity failure (exit 6) rather than deciding
 * access from whatever it happens to hold.
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';
import { ROLES, type Role } from '../domain/names.js';
import { GmvError } from '../errors.js';

export interface PersonRecord {
  id: number;
  login: string;
  name: string;
  status: string;
  roles: Role[];
  /** The state seal that signed the roles and status (services/state-seals.ts); null: none. */
  seal: number | null;
}

/** The roles stored for `login` (a JSON list of known roles); VAULT_CORRUPT when it is anything else. */
export function storedRoles(stored: string, login: string): Role[] {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((r) => typeof r === 'string' && (ROLES as readonly string[]).includes(r))) {
    throw new GmvError('VAULT_CORRUPT', { path: '(vault)', detail: 'detail.rolesCorrupt', login });
  }
  return value as Role[];
}

type PersonRow = { id: number | string | bigint; login: string; name: string; status: string; roles: string; seal: number | string | bigint | null };

function record(row: PersonRow): PersonRecord {
  return { id: Number(row.id), login: row.login, name: row.name, status: row.status, roles: storedRoles(row.roles, row.login), seal: row.seal === null ? null : Number(row.seal) };
}

/** One person by id or by login handle, with checked roles; undefined when there is none. */
export async function findPerson(db: Kysely<DB>, by: { id: number } | { login: string }): Promise<PersonRecord | undefined> {
  const q = db.selectFrom('people').select(['id', 'login', 'name', 'status', 'roles', 'seal']);
  const row = await ('id' in by ? q.where('id', '=', by.id) : q.where('login', '=', by.login)).executeTakeFirst();
  return row ? record(row) : undefined;
}

/** The checked roles of a person who must exist (an id taken from the vault itself). */
export async function rolesOf(db: Kysely<DB>, personId: number): Promise<Role[]> {
  const person = await findPerson(db, { id: personId });
  if (!person) throw new GmvError('VAULT_CORRUPT', { path: '(vault)', detail: 'detail.personMissing', id: personId });
  return person.roles;
}
