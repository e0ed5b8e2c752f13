/**
 * Writing and checking state seals (domain/state-seal.ts). A change that sets rows deciding access
 * signs one seal over their records, in its own transaction; the access decision checks that the
 * row as it is now is listed in the seal it names, and that the seal's signer may set such a row:
 *
 *  - the organisation key (held by security officers, trusted as the terminal trusted it before,
 *    see audit/tail.ts#trustedOrg) seals people, grants and the policy in force;
 *  - a person's own certified key seals only the grant they gave themselves by creating or
 *    importing an account, and only while their roles (sealed by the organisation) still let them
 *    manage accounts.
 *
 * A failure is an integrity failure (STATE_SEAL_INVALID, exit 6) naming the table and the row.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import type { CheckpointSigner } from '../audit/log.js';
import { certifiedPersonKey, loadKey, verifyWith, type VerifyKey } from '../audit/signatures.js';
import { trustedOrg } from '../audit/tail.js';
import { parseSealBody, sealBodyText, sealedRecordDigest, type SealedRecord } from '../domain/state-seal.js';
import { ROLE_RULES } from '../domain/access-rules.js';
import { judgedAt, signerKeys } from './training.js';
import { inBatches } from '../store/batches.js';
import { storedRoles } from '../store/people.js';
import { encryptable, readRecipient, recipientFingerprint, type Recipient } from '../crypto/pgp.js';

/** Sign one seal over `records` inside the change's transaction; returns its id for the rows to name. */
export async function writeSeal(trx: Kysely<DB>, vaultId: string, signer: CheckpointSigner, records: readonly SealedRecord[], at: string): Promise<number> {
  const body = sealBodyText(vaultId, at, records.map((r) => sealedRecordDigest(vaultId, r)));
  const signature = Buffer.from(await signer.sign(Buffer.from(body, 'utf8'))).toString('base64');
  const row = await trx.insertInto('state_seals').values({ body, signer_fingerprint: signer.fingerprint, signature, created_at: at })
    .returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Who signed a seal: the organisation, or the holder of a person key the organisation certified. */
export type SealSigner = { org: true } | { org: false; personId: number };

interface CheckedSeal { signature: string; signer: string; rows: ReadonlySet<string>; by: SealSigner | null }

/**
 * Stores whose unsealed rows the signed log was just verified to stand behind (by
 * `sealUnsealedState`, for the length of that command only): a missing seal passes there, so the
 * officer of an upgraded vault can unlock and seal it. A seal that does not hold never passes.
 */
const verifiedLegacy = new WeakSet<object>();

/** Seals this process has checked (the session agent serves many reveals), by vault and id. */
const checked = new Map<string, CheckedSeal>();
const orgKeys = new Map<string, Promise<VerifyKey>>();

export interface SealContext {
  vaultId: string;
  /** The organisation key this terminal trusted before (local/seen-checkpoint.ts), if any. */
  pinnedOrg: string | null;
}

/** Where a sealed row is, for the error that names it. */
export interface SealedRow { table: 'people' | 'grants' | 'policies' | 'person_keys'; row: string }

/**
 * Check that `record` (rebuilt from the row as it is) is in the seal `sealId` and that `allowed`
 * accepts the seal's signer; throws STATE_SEAL_INVALID naming the row otherwise.
 */
export async function checkSeal(db: Kysely<DB>, ctx: SealContext, where: SealedRow, record: SealedRecord, sealId: number | null, allowed: (signer: SealSigner) => boolean): Promise<void> {
  const fail = (detail: string): never => {
    throw new GmvError('STATE_SEAL_INVALID', { table: where.table, row: where.row, detail });
  };
  if (sealId === null) return verifiedLegacy.has(db) ? undefined : fail('detail.sealMissing');
  const seal = await readSeal(db, ctx, sealId);
  if (!seal) return fail('detail.sealUnreadable');
  if (!seal.rows.has(sealedRecordDigest(ctx.vaultId, record))) return fail('detail.sealNotListed');
  if (!seal.by) return fail('detail.sealSignature');
  if (!allowed(seal.by)) return fail('detail.sealSigner');
}

/** Only the organisation key. */
export const byOrg = (signer: SealSigner): boolean => signer.org;

/**
 * A grant: the organisation key, or — for the grant a person gave themselves by creating or
 * importing an account — their own key while their (sealed) roles let them manage accounts.
 */
export function grantSealAllowed(grantee: { id: number; roles: readonly string[] }) {
  const managers: readonly string[] = ROLE_RULES['account.manage'];
  return (signer: SealSigner): boolean => signer.org || (signer.personId === grantee.id && grantee.roles.some((r) => managers.includes(r)));
}

async function readSeal(db: Kysely<DB>, ctx: SealContext, id: number): Promise<CheckedSeal | null> {
  const head = await db.selectFrom('state_seals').select(['signer_fingerprint', 'signature']).where('id', '=', id).executeTakeFirst();
  if (!head) return null;
  const key = `${ctx.vaultId}/${id}`;
  const org = await trustedOrg(db, ctx.vaultId, ctx.pinnedOrg);
  const known = checked.get(key);
  // A seal checked before is known by its signature: the digests used are the ones that signature
  // was verified over, whatever the stored body says now (a big import's body is not read again).
  if (known && known.signature === head.signature && known.signer === head.signer_fingerprint
    && (!known.by?.org || head.signer_fingerprint === org.row.fingerprint)) return known;
  const row = await db.selectFrom('state_seals').select('body').where('id', '=', id).executeTakeFirst();
  const body = row ? parseSealBody(row.body, ctx.vaultId) : null;
  if (!row || !body) return null;
  const by = await signerOf(db, ctx, org.row, row.body, head.signature, head.signer_fingerprint);
  const seal: CheckedSeal = { signature: head.signature, signer: head.signer_fingerprint, rows: new Set(body.rows), by };
  if (by) checked.set(key, seal);
  return seal;
}

async function signerOf(db: Kysely<DB>, ctx: SealContext, org: { fingerprint: string; public_key: string }, body: string, signature: string, fingerprint: string): Promise<SealSigner | null> {
  const data = Buffer.from(body, 'utf8');
  const sig = Buffer.from(signature, 'base64');
  if (fingerprint === org.fingerprint) {
    let key = orgKeys.get(org.public_key);
    if (!key) orgKeys.set(org.public_key, key = loadKey(org.public_key));
    return await verifyWith(data, sig, await key, judgedAt()) ? { org: true } : null;
  }
  const holder = await db.selectFrom('person_keys').select('person_id').where('fingerprint', '=', fingerprint).executeTakeFirst();
  if (!holder) return null;
  const key = (await signerKeys(db, ctx.vaultId, [fingerprint], ctx.pinnedOrg)).people.get(fingerprint);
  return key && await verifyWith(data, sig, key, judgedAt()) ? { org: false, personId: Number(holder.person_id) } : null;
}

/** A person key as stored: who holds it, its record's fields and the organisation's certification. */
export interface PersonKeyRow { person_id: number | string | bigint; login: string; fingerprint: string; public_key: string; created_at: string; certification: string | null }

/** Keys this process has found certified, by vault and fingerprint, with what the check stood on. */
const certifiedKeys = new Map<string, { publicKey: string; certification: string; createdAt: string; login: string; org: string; key: Recipient }>();

/**
 * A person's public key, only as the organisation certified it (the record of device-record.ts,
 * signed by the organisation key this terminal trusts) and only if the stored key is the one the
 * record names. Everything a person is given is encrypted to this key: a key swapped in by SQL
 * would receive every later version, officer key and backup. Throws STATE_SEAL_INVALID naming
 * the holder otherwise.
 */
export async function certifiedKey(db: Kysely<DB>, ctx: SealContext, row: PersonKeyRow): Promise<{ personId: number; fingerprint: string; publicKey: Recipient }> {
  const fail = (detail: string): never => {
    throw new GmvError('STATE_SEAL_INVALID', { table: 'person_keys', row: `${row.login} ${row.fingerprint}`, detail });
  };
  const personId = Number(row.person_id);
  if (row.certification === null) {
    // A key certified by no one: only a vault from before certifications, while it is being sealed.
    if (!verifiedLegacy.has(db)) return fail('detail.certMissing');
    const legacy = await readRecipient(row.public_key);
    if (!await encryptable(legacy)) return fail('detail.certNoEncryptionKey');
    return { personId, fingerprint: row.fingerprint, publicKey: legacy };
  }
  const org = (await trustedOrg(db, ctx.vaultId, ctx.pinnedOrg)).row;
  const cacheKey = `${ctx.vaultId}/${row.fingerprint}`;
  const known = certifiedKeys.get(cacheKey);
  if (known && known.publicKey === row.public_key && known.certification === row.certification && known.createdAt === row.created_at
    && known.login === row.login && known.org === org.fingerprint) return { personId, fingerprint: row.fingerprint, publicKey: known.key };
  let orgKey = orgKeys.get(org.public_key);
  if (!orgKey) orgKeys.set(org.public_key, orgKey = loadKey(org.public_key));
  const verdict = await certifiedPersonKey(ctx.vaultId, { login: row.login, fingerprint: row.fingerprint, createdAt: row.created_at, certification: row.certification, publicKey: row.public_key }, [await orgKey], judgedAt());
  if (verdict.problem !== undefined) return fail(verdict.problem);
  // What is wrapped for: its own reading of the key must name the same fingerprint.
  const key = await readRecipient(row.public_key).catch(() => null);
  if (!key || recipientFingerprint(key) !== row.fingerprint) return fail('detail.certKeyMismatch');
  // Its primary key is the one certified; a subkey spliced in beside it (or revoked, or expired) is not bound by it.
  if (!await encryptable(key)) return fail('detail.certNoEncryptionKey');
  certifiedKeys.set(cacheKey, { publicKey: row.public_key, certification: row.certification, createdAt: row.created_at, login: row.login, org: org.fingerprint, key });
  return { personId, fingerprint: row.fingerprint, publicKey: key };
}

/** The columns `certifiedKey` reads, for a query over person_keys joined with people. */
export const PERSON_KEY_COLUMNS = ['person_keys.person_id', 'people.login', 'person_keys.fingerprint', 'person_keys.public_key', 'person_keys.created_at', 'person_keys.certification'] as const;

/** The certified key of `fingerprint` (a key holder's own, read back to encrypt to it). */
export async function certifiedKeyOf(db: Kysely<DB>, ctx: SealContext, fingerprint: string): Promise<{ personId: number; fingerprint: string; publicKey: Recipient }> {
  const row = await db.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id').select(PERSON_KEY_COLUMNS)
    .where('person_keys.fingerprint', '=', fingerprint).executeTakeFirst();
  if (!row) throw new GmvError('STATE_SEAL_INVALID', { table: 'person_keys', row: fingerprint, detail: 'detail.certMissing' });
  return certifiedKey(db, ctx, row);
}

/** This vault's seal context when only the store is at hand: the newest organisation key. */
export async function storeSealContext(db: Kysely<DB>): Promise<SealContext> {
  const vault = await db.selectFrom('vault_meta').select('value').where('key', '=', 'vault_id').executeTakeFirstOrThrow();
  return { vaultId: vault.value, pinnedOrg: null };
}

/** Seal the people `ids` as they are now (their roles and status), in the caller's transaction. */
export async function sealPeople(trx: Kysely<DB>, vaultId: string, signer: CheckpointSigner, ids: readonly number[], at: string): Promise<void> {
  if (ids.length === 0) return;
  const rows: { id: number | string | bigint; login: string; roles: string; status: string }[] = [];
  for (const chunk of inBatches(ids)) rows.push(...await trx.selectFrom('people').select(['id', 'login', 'roles', 'status']).where('id', 'in', chunk).execute());
  const seal = await writeSeal(trx, vaultId, signer, rows.map((r) => ({ kind: 'person', login: r.login, roles: storedRoles(r.roles, r.login), status: r.status })), at);
  for (const chunk of inBatches(rows.map((r) => Number(r.id)))) await trx.updateTable('people').set({ seal }).where('id', 'in', chunk).execute();
}

/**
 * Seal the grants in force of one person (on `accounts`, or all of theirs), or of everyone, as
 * they are now, in the caller's transaction.
 */
export async function sealGrants(trx: Kysely<DB>, vaultId: string, signer: CheckpointSigner, which: { personId: number; accounts?: readonly number[] } | 'all', at: string): Promise<void> {
  type Row = { id: number | string | bigint; person_id: number | string | bigint; account_id: number | string | bigint; can: string; until: string | null; granted_at: string };
  const live = () => trx.selectFrom('grants').select(['id', 'person_id', 'account_id', 'can', 'until', 'granted_at']).where('removed_at', 'is', null);
  const rows: Row[] = [];
  if (which === 'all') rows.push(...await live().execute());
  else if (!which.accounts) rows.push(...await live().where('person_id', '=', which.personId).execute());
  else for (const chunk of inBatches(which.accounts)) rows.push(...await live().where('person_id', '=', which.personId).where('account_id', 'in', chunk).execute());
  if (rows.length === 0) return;
  const seal = await writeSeal(trx, vaultId, signer, rows.map((r) => ({
    kind: 'grant', person: Number(r.person_id), account: Number(r.account_id), can: JSON.parse(r.can) as string[], until: r.until, grantedAt: r.granted_at,
  })), at);
  for (const chunk of inBatches(rows.map((r) => Number(r.id)))) await trx.updateTable('grants').set({ seal }).where('id', 'in', chunk).execute();
}

/** vault_meta key naming the seal over the policy pointers (POLICY_META in services/vault.ts). */
export const POLICY_SEAL = 'policy_seal';

/** Seal the policy in force (the pack and override SHA-256 the pointers name), in the caller's transaction. */
export async function sealPolicy(trx: Kysely<DB>, vaultId: string, signer: CheckpointSigner, policy: { pack: string; override: string | null }, at: string): Promise<void> {
  const seal = await writeSeal(trx, vaultId, signer, [{ kind: 'policy', ...policy }], at);
  await trx.deleteFrom('vault_meta').where('key', '=', POLICY_SEAL).execute();
  await trx.insertInto('vault_meta').values({ key: POLICY_SEAL, value: String(seal) }).execute();
}

/**
 * Check the seals of people (and, with `grants`, of their grants in force) before a change seals
 * them again: a row forged before must not be laundered by an honest officer's next change.
 */
export async function checkSealedPeople(db: Kysely<DB>, ctx: SealContext, ids: readonly number[] | 'all', grants: boolean): Promise<void> {
  const people = ids === 'all'
    ? await db.selectFrom('people').select(['id', 'login', 'roles', 'status', 'seal']).execute()
    : (await Promise.all(inBatches(ids).map((chunk) => db.selectFrom('people').select(['id', 'login', 'roles', 'status', 'seal']).where('id', 'in', chunk).execute()))).flat();
  const rolesById = new Map<number, { login: string; roles: string[] }>();
  for (const p of people) {
    const roles = storedRoles(p.roles, p.login);
    rolesById.set(Number(p.id), { login: p.login, roles });
    await checkSeal(db, ctx, { table: 'people', row: p.login }, { kind: 'person', login: p.login, roles, status: p.status }, p.seal === null ? null : Number(p.seal), byOrg);
  }
  if (!grants) return;
  let q = db.selectFrom('grants').innerJoin('accounts', 'accounts.id', 'grants.account_id')
    .select(['grants.person_id', 'grants.account_id', 'grants.can', 'grants.until', 'grants.granted_at', 'grants.seal', 'accounts.slug']).where('grants.removed_at', 'is', null);
  if (ids !== 'all') q = q.where('grants.person_id', 'in', [...rolesById.keys()]);
  for (const g of await q.execute()) {
    const person = rolesById.get(Number(g.person_id));
    if (!person) throw new GmvError('STATE_SEAL_INVALID', { table: 'grants', row: `person ${Number(g.person_id)} on ${g.slug}`, detail: 'detail.sealUnreadable' });
    await checkSeal(db, ctx, { table: 'grants', row: `${person.login} on ${g.slug}` },
      { kind: 'grant', person: Number(g.person_id), account: Number(g.account_id), can: JSON.parse(g.can) as string[], until: g.until, grantedAt: g.granted_at },
      g.seal === null ? null : Number(g.seal), grantSealAllowed({ id: Number(g.person_id), roles: person.roles }));
  }
}

export interface SealStateView { people: number; grants: number; keys: number; policy: boolean }

/**
 * `gmv vault seal-state` (security officers): seal what a gmv before schema 16 left unsealed. The
 * signed log is verified first (audit/state-replay.ts: every person's roles, every grant in force
 * and the policy must agree with it), so only state the log stands behind is sealed; rows that
 * already carry a seal are left to the access decision. One change, one `state.seal` entry.
 */
export async function sealUnsealedState(vault: import('./vault.js').Vault, unlock: () => Promise<import('./keys.js').KeyHolder & { deviceId?: string }>, target: import('../store/store.js').StoreTarget): Promise<SealStateView> {
  const [{ verifyAuditAt }, { findPerson }, { decideAccess }, { recordDenial, commitChange }, { orgKeyFor }, { keySigner }, { certifyPersonKey }] = await Promise.all([
    import('./audit-verify.js'), import('../store/people.js'), import('../domain/access-rules.js'), import('./vault.js'), import('./officer-keys.js'), import('../audit/log.js'),
    import('./device-provision.js'),
  ]);
  await verifyAuditAt(target, { devicesDir: vault.paths.devicesDir });
  // The tables agree with the signed log: their unsealed rows may be read while this command seals them.
  verifiedLegacy.add(vault.store.db);
  try {
    const officer = await unlock();
    const person = await findPerson(vault.store.db, { id: officer.personId });
    const request = { kind: 'role', action: 'vault.reseal', subject: 'state' } as const;
    const decision = decideAccess(request, { person: person ? { id: person.id, login: person.login, status: person.status, roles: person.roles } : null, now: vault.now() });
    if (!decision.allow) {
      await recordDenial(vault, { action: 'state.seal', actor: officer.login, subject: 'state', outcome: 'denied', details: { rule: decision.rule, reason: decision.reason, device: officer.deviceId ?? null } }, undefined, { by: officer });
      throw new GmvError(decision.code, decision.params);
    }
    const orgKey = await orgKeyFor(vault, officer);
    const signer = keySigner(orgKey);
    return await commitChange(vault, async (trx) => {
      const at = vault.now().toISOString();
      const people = (await trx.selectFrom('people').select('id').where('seal', 'is', null).execute()).map((p) => Number(p.id));
      await sealPeople(trx, vault.vaultId, signer, people, at);
      const grants = await trx.selectFrom('grants').select(['person_id', 'account_id']).where('seal', 'is', null).where('removed_at', 'is', null).execute();
      const byHolder = new Map<number, number[]>();
      for (const g of grants) byHolder.set(Number(g.person_id), [...byHolder.get(Number(g.person_id)) ?? [], Number(g.account_id)]);
      for (const [personId, accounts] of byHolder) await sealGrants(trx, vault.vaultId, signer, { personId, accounts }, at);
      // Keys from before certifications (schema 4): the organisation certifies them now.
      const keys = (await trx.selectFrom('person_keys').select('fingerprint').where('certification', 'is', null).where('status', '=', 'active').execute()).map((k) => k.fingerprint);
      for (const fingerprint of keys) await certifyPersonKey(trx, vault.vaultId, orgKey, fingerprint);
      const sealed = await trx.selectFrom('vault_meta').select('value').where('key', '=', POLICY_SEAL).executeTakeFirst();
      if (!sealed) {
        // The pointer an older vault may lack names the pack it enforces (its newest row).
        const { pack, override } = await recordedPolicyUnchecked(trx);
        const meta = await trx.selectFrom('vault_meta').select('key').where('key', '=', 'policy_pack').executeTakeFirst();
        if (!meta) await trx.insertInto('vault_meta').values({ key: 'policy_pack', value: String(pack.id) }).execute();
        await sealPolicy(trx, vault.vaultId, signer, { pack: pack.sha256, override: override?.sha256 ?? null }, at);
      }
      const view = { people: people.length, grants: grants.length, keys: keys.length, policy: !sealed };
      return { result: view, audit: [{ action: 'state.seal', actor: officer.login, subject: 'state', outcome: 'ok' as const, details: { people: view.people, grants: view.grants, keys: view.keys, policy: view.policy } }] };
    }, { by: officer });
  } finally {
    verifiedLegacy.delete(vault.store.db);
  }
}

/** The pack and override rows the pointers name (the newest row without a pointer), before any seal check. */
async function recordedPolicyUnchecked(trx: Kysely<DB>): Promise<{ pack: { id: number; sha256: string }; override: { id: number; sha256: string } | null }> {
  const meta = new Map((await trx.selectFrom('vault_meta').select(['key', 'value']).where('key', 'in', ['policy_pack', 'policy_override']).execute()).map((m) => [m.key, Number(m.value)]));
  const read = async (id: number | undefined) => {
    let q = trx.selectFrom('policies').select(['id', 'sha256']);
    q = id === undefined ? q.orderBy('id', 'desc') : q.where('id', '=', id);
    const row = await q.executeTakeFirst();
    return row ? { id: Number(row.id), sha256: row.sha256 } : null;
  };
  const pack = await read(meta.get('policy_pack'));
  if (!pack) throw new GmvError('VAULT_NOT_INITIALIZED', { path: '(vault)' });
  return { pack, override: meta.has('policy_override') ? await read(meta.get('policy_override')) : null };
}
