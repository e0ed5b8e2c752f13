/**
 * Reading and writing credentials. Every reveal and every refusal is audited with the account, the
 * field, the person and the terminal; values never enter the audit log, errors or non-reveal output.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { GmvError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { totpCode } from '../crypto/totp.js';
import { parseTotpInput } from '../domain/otpauth.js';
import { parseRecoveryCodes, type CredentialContent, type Field } from '../domain/credential.js';
import { authorize } from './access.js';
import { findAccount } from './accounts.js';
import { carryRecoveryCodeUses, readVersion, writeVersion } from './credential-store.js';
import { isRecentPassword, keyedPasswordHash, newHistoryKey } from './password-history.js';
import { markRotationsDone } from './rotation.js';
import type { SessionActor } from './session.js';
import { activePolicy, commitChange, type Vault } from './vault.js';


/** Build the next content from the current one and one new field value (parsed, validated). */
async function withField(current: CredentialContent, field: Field, input: Secret): Promise<CredentialContent> {
  const text = input.revealString();
  const next: CredentialContent = { ...current };
  switch (field) {
    case 'password':
      if (text.length === 0 || text.includes('\n')) throw new GmvError('INVALID_INPUT', { what: 'what.password', detail: 'detail.passwordLines' });
      next.password = text;
      break;
    case 'login':
      if (text.trim().length === 0) throw new GmvError('INVALID_INPUT', { what: 'what.login', detail: 'detail.fieldEmpty' });
      next.login = text.trim();
      break;
    case 'totp':
      next.totp = parseTotpInput(text.trim());
      break;
    case 'phone':
      if (!/^\+?[0-9][0-9 -]{4,19}$/.test(text.trim())) throw new GmvError('INVALID_INPUT', { what: 'what.phone', detail: 'detail.phoneForm' });
      next.phone = text.trim();
      break;
    case 'email':
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim())) throw new GmvError('INVALID_INPUT', { what: 'what.email', detail: 'detail.notEmail' });
      next.email = text.trim();
      break;
    case 'notes':
      next.notes = text;
      break;
    case 'recovery': {
      const codes = parseRecoveryCodes(text);
      if (codes.length === 0) throw new GmvError('INVALID_INPUT', { what: 'what.recoveryCodes', detail: 'detail.noRecoveryCodes' });
      next.recovery = codes;
      break;
    }
  }
  return next;
}

export async function setSecret(vault: Vault, actor: SessionActor, slug: string, field: Field, input: Secret): Promise<{ slug: string; field: Field; version: number }> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, { kind: 'credential', action: 'secret.set', account, need: 'manage', field });
  const db = vault.store.db;
  const policy = await activePolicy(db);
  // Read the current version inside the write transaction: two concurrent edits never build on the same base.
  const version = await commitChange(vault, async (trx) => {
    const current = await readVersion(trx, actor, account);
    const historyKey = current?.historyKey ?? newHistoryKey();
    try {
      // A reused password writes nothing but its refusal, which commits (the error follows).
      if (field === 'password' && await isRecentPassword(trx, account, input.revealString(), policy.credentials.history, current?.historyKey)) {
        return { result: null, audit: [{ action: 'secret.set', actor: actor.login, subject: slug, outcome: 'denied' as const, details: { field, reason: 'password reused' } }] };
      }
      const next = await withField(current?.content ?? {}, field, input);
      const passwordHash = field === 'password' ? keyedPasswordHash(historyKey, account.id, next.password!) : null;
      const v = await writeVersion(trx, account, next, { reason: `set ${field}`, by: actor.login, at: vault.now(), passwordHash, historyKey });
      if (current && field !== 'recovery') await carryRecoveryCodeUses(trx, account.id, current.version, v);
      if (field === 'password' || field === 'totp' || field === 'recovery') await markRotationsDone(trx, account.id, vault.now(), [field]);
      return { result: v, audit: [{ action: 'secret.set', actor: actor.login, subject: slug, outcome: 'ok', details: { field, version: v, device: actor.deviceId } }] };
    } finally {
      historyKey.fill(0);
    }
  }, { by: actor });
  if (version === null) throw new GmvError('PASSWORD_REUSED', { history: policy.credentials.history, account: slug });
  return { slug, field, version };
}

/** Indexes of the recovery codes of one version already used. */
async function usedRecoveryCodes(db: Kysely<DB>, accountId: number, version: number): Promise<Set<number>> {
  const rows = await db.selectFrom('recovery_code_uses').select('code_index').where('account_id', '=', accountId).where('version', '=', version).execute();
  return new Set(rows.map((u) => Number(u.code_index)));
}

export type RevealField = 'password' | 'otp' | 'recovery' | 'login' | 'phone' | 'email' | 'notes';

export interface Revealed {
  slug: string;
  version: number;
  password?: string;
  login?: string;
  otp?: { code: string; secondsLeft: number };
  recovery?: { unused: string[]; total: number };
  phone?: string;
  email?: string;
  notes?: string;
}

/** Reveal one field (or the password and login) of the latest version the person may read. */
export async function showSecret(vault: Vault, actor: SessionActor, slug: string, field?: RevealField): Promise<Revealed> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, { kind: 'credential', action: 'secret.reveal', account, need: field === 'otp' ? 'otp' : 'reveal', field: field ?? 'password' });
  const db = vault.store.db;
  // Only the fields asked for are opened (an otp-only grantee's wrap holds the TOTP seed alone).
  const wanted: Field[] = field === 'otp' ? ['totp'] : field === undefined ? ['password', 'login'] : [field];
  const opened = await readVersion(db, actor, account, undefined, wanted);
  if (!opened) throw new GmvError('FIELD_EMPTY', { account: slug, field: field ?? 'password' });
  const c = opened.content;
  const out: Revealed = { slug, version: opened.version };
  const need = (present: unknown, name: string) => { if (present === undefined) throw new GmvError('FIELD_EMPTY', { account: slug, field: name }); };
  switch (field) {
    case 'otp':
      need(c.totp, 'totp');
      out.otp = await totpCode(c.totp!, vault.now());
      break;
    case 'recovery': {
      need(c.recovery, 'recovery');
      const used = await usedRecoveryCodes(db, account.id, opened.version);
      out.recovery = { unused: c.recovery!.filter((_, i) => !used.has(i)), total: c.recovery!.length };
      break;
    }
    case 'login':
    case 'phone':
    case 'email':
    case 'notes':
      need(c[field], field);
      out[field] = c[field];
      break;
    default:
      need(c.password, 'password');
      out.password = c.password;
      if (c.login !== undefined) out.login = c.login;
  }
  await commitChange(vault, async () => ({ result: undefined, audit: [{ action: field === 'otp' ? 'secret.otp' : 'secret.reveal', actor: actor.login, subject: slug, outcome: 'ok', details: { field: field ?? 'password', version: opened.version, device: actor.deviceId } }] }), { by: actor });
  return out;
}

/** gmv otp: the current code and the seconds it stays valid. */
export async function otpFor(vault: Vault, actor: SessionActor, slug: string): Promise<{ slug: string; code: string; secondsLeft: number }> {
  const revealed = await showSecret(vault, actor, slug, 'otp');
  return { slug, ...revealed.otp! };
}

/** gmv recovery use: the next unused recovery code, marked used in the same transaction as its audit entry. */
export async function useRecoveryCode(vault: Vault, actor: SessionActor, slug: string): Promise<{ slug: string; code: string; left: number; low: boolean }> {
  const account = await findAccount(vault, slug);
  await authorize(vault, actor, { kind: 'credential', action: 'recovery.use', account, need: 'reveal', field: 'recovery' });
  const db = vault.store.db;
  const opened = await readVersion(db, actor, account);
  if (!opened?.content.recovery) throw new GmvError('FIELD_EMPTY', { account: slug, field: 'recovery' });
  const codes = opened.content.recovery;
  const policy = await activePolicy(db);
  return commitChange(vault, async (trx) => {
    const used = await usedRecoveryCodes(trx, account.id, opened.version);
    const index = codes.findIndex((_, i) => !used.has(i));
    if (index < 0) throw new GmvError('RECOVERY_CODES_EXHAUSTED', { account: slug });
    await trx.insertInto('recovery_code_uses').values({ account_id: account.id, version: opened.version, code_index: index, used_by: actor.login, used_at: vault.now().toISOString() }).execute();
    const left = codes.length - used.size - 1;
    return { result: { slug, code: codes[index]!, left, low: left < policy.credentials.recoveryCodesLow },
      audit: [{ action: 'recovery.use', actor: actor.login, subject: slug, outcome: 'ok', details: { version: opened.version, index, left, device: actor.deviceId } }] };
  }, { by: actor });
}
