/**
 * TOTP as a second login factor (MLPS level 3): the seed is sealed under a data key wrapped for
 * the person's own key, so it opens only after their passphrase did; a code is accepted once.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { open, parseEnvelope } from '../crypto/envelope.js';
import { newTotpSecret, totpUri, verifyTotp, type TotpParams } from '../crypto/totp.js';
import { certifiedKeyOf } from './state-seals.js';
import { sealContext } from './access.js';
import { revokeWraps } from '../store/wraps.js';
import { leafHash } from '../audit/merkle.js';
import { sealWithDataKey, unwrap, wrapForPeople, type KeyHolder } from './keys.js';
import { commitChange, type Vault } from './vault.js';

const DEFAULTS = { algorithm: 'sha1', digits: 6, period: 30 } as const;

export interface MfaEnrollment {
  uri: string;
  secret: string;
  status: 'pending' | 'active';
}

/** Start (or restart) enrollment: a new seed, pending until a code from it is confirmed. */
export async function startMfaEnrollment(vault: Vault, holder: KeyHolder): Promise<MfaEnrollment> {
  const secret = await newTotpSecret();
  const params: TotpParams = { secret, ...DEFAULTS };
  const org = await vault.store.db.selectFrom('org').select('name').executeTakeFirstOrThrow();
  const uri = await totpUri(params, `gmv ${org.name}`, holder.login);
  await commitChange(vault, async (trx) => {
    const { publicKey } = await certifiedKeyOf(trx, sealContext(vault), holder.keyFingerprint);
    const sealed = sealWithDataKey(Buffer.from(secret, 'utf8'), { purpose: 'mfa-seed', person: holder.login });
    // The old seed's wrap stops applying but stays on record (what the person could decrypt).
    const at = vault.now().toISOString();
    const last = await trx.selectFrom('wraps').select((eb) => eb.fn.max('item_version').as('v')).where('item_kind', '=', 'mfa-seed').where('item_ref', '=', holder.login).executeTakeFirst();
    await revokeWraps(trx, { personId: holder.personId, kinds: ['mfa-seed'], ref: holder.login }, at, 'mfa-re-enrolled');
    await wrapForPeople(trx, { kind: 'mfa-seed', ref: holder.login, version: Number(last?.v ?? 0) + 1 }, sealed.dataKey, [{ personId: holder.personId, fingerprint: holder.keyFingerprint, publicKey }], vault.now().toISOString());
    sealed.dataKey.fill(0);
    const row = { status: 'pending', algorithm: DEFAULTS.algorithm, digits: DEFAULTS.digits, period: DEFAULTS.period, seed_envelope: JSON.stringify(sealed.envelope), last_step: null, created_at: vault.now().toISOString() };
    const updated = await trx.updateTable('mfa_totp').set(row).where('person_id', '=', holder.personId).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('mfa_totp').values({ person_id: holder.personId, ...row }).execute();
    return { result: undefined, audit: [{ action: 'mfa.enroll.start', actor: holder.login, subject: holder.login, outcome: 'ok', details: { algorithm: DEFAULTS.algorithm, digits: DEFAULTS.digits, period: DEFAULTS.period } }] };
  }, { by: holder });
  return { uri, secret, status: 'pending' };
}

/** Confirm a pending enrollment with a code from the authenticator. */
export async function confirmMfaEnrollment(vault: Vault, holder: KeyHolder, code: Secret): Promise<void> {
  const params = await loadTotp(vault.store.db, holder, 'pending');
  if (!params) throw new GmvError('INVALID_INPUT', { what: 'what.mfaEnrollment', detail: 'detail.noPendingTotp' });
  const step = await verifyTotp(params, code.revealString().trim(), vault.now());
  if (step === null) {
    await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'mfa.enroll.confirm', actor: holder.login, subject: holder.login, outcome: 'denied', details: { reason: 'wrong code' } }] }), { by: holder });
    throw new GmvError('TOTP_INVALID', { login: holder.login });
  }
  await commitChange(vault, async (trx) => {
    await trx.updateTable('mfa_totp').set({ status: 'active', last_step: step }).where('person_id', '=', holder.personId).execute();
    return { result: undefined, audit: [{ action: 'mfa.enroll.confirm', actor: holder.login, subject: holder.login, outcome: 'ok', details: {} }] };
  }, { by: holder });
}

/** The person's TOTP parameters in the given state, opened with their key; null when none. */
export async function loadTotp(db: Kysely<DB>, holder: KeyHolder, status: 'pending' | 'active'): Promise<TotpParams | null> {
  const row = await db.selectFrom('mfa_totp').selectAll().where('person_id', '=', holder.personId).where('status', '=', status).executeTakeFirst();
  if (!row) return null;
  const dataKey = await unwrap(db, holder, 'mfa-seed', holder.login);
  if (!dataKey) throw new GmvError('INVALID_INPUT', { what: 'what.totpEnrollment', detail: 'detail.totpSeedNotWrapped' });
  const what = `mfa_totp.seed_envelope (${holder.login})`;
  const secret = open(dataKey, parseEnvelope(row.seed_envelope, what), what).toString('utf8');
  dataKey.fill(0);
  return { secret, algorithm: row.algorithm as TotpParams['algorithm'], digits: Number(row.digits) as TotpParams['digits'], period: Number(row.period) };
}

export async function hasActiveMfa(db: Kysely<DB>, personId: number): Promise<boolean> {
  return Boolean(await db.selectFrom('mfa_totp').select('person_id').where('person_id', '=', personId).where('status', '=', 'active').executeTakeFirst());
}

/**
 * Whether the signed log says `login` has a second factor: their newest enrollment entry under the
 * valid checkpoint of size `signedSize` is a confirmation (a new enrollment starts with
 * `mfa.enroll.start`, which replaces the active seed). Only signed entries count, so one planted in
 * the unsigned tail does not switch the factor off.
 */
export async function loggedMfa(db: Kysely<DB>, login: string, signedSize: number): Promise<boolean> {
  const row = await db.selectFrom('audit_entries').select(['seq', 'action', 'body', 'leaf_hash'])
    .where('subject', '=', login).where('action', 'in', ['mfa.enroll.start', 'mfa.enroll.confirm']).where('outcome', '=', 'ok')
    .where('seq', '<', signedSize).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!row || row.body === null) return false;
  if (leafHash(Buffer.from(row.body, 'utf8')).toString('hex') !== row.leaf_hash) {
    throw new GmvError('STATE_MISMATCH', { table: 'audit_entries', row: `#${Number(row.seq)}`, detail: 'detail.leafSecondFactor', count: 1 });
  }
  return row.action === 'mfa.enroll.confirm';
}

/** Accept a login code once: its time step must be newer than the last accepted one. */
export async function acceptLoginCode(trx: Kysely<DB>, personId: number, step: number): Promise<boolean> {
  const row = await trx.selectFrom('mfa_totp').select('last_step').where('person_id', '=', personId).executeTakeFirst();
  if (row?.last_step !== null && row?.last_step !== undefined && step <= Number(row.last_step)) return false;
  await trx.updateTable('mfa_totp').set({ last_step: step }).where('person_id', '=', personId).execute();
  return true;
}
