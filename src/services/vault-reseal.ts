/**
 * `gmv vault reseal` (security officers): every active account whose newest credential version was
 * sealed whole (before fields were sealed one by one) gets a new version with the same content,
 * sealed field by field and wrapped for each grantee exactly the fields their grant opens. The old
 * version and its wraps stay as they were (what was exposed then stays on record); recovery codes
 * already used stay used. One change, one `vault.reseal` entry per account.
 */
import { decryptWith } from '../crypto/pgp.js';
import type { AuditDraft } from '../audit/entry.js';
import { authorize } from './access.js';
import { orgKeyFor } from './officer-keys.js';
import { carryRecoveryCodeUses, readVersionByEscrow, sealedFields, writeVersion } from './credential-store.js';
import type { KeyHolder } from './keys.js';
import { commitChange, type Vault } from './vault.js';
import { FIELDS } from '../domain/credential.js';

export interface ResealView {
  resealed: { slug: string; from: number; version: number; fields: string[] }[];
  /** Accounts whose newest version already had its fields sealed one by one. */
  current: number;
}

export async function resealVault(vault: Vault, officer: KeyHolder): Promise<ResealView> {
  await authorize(vault, officer, 'vault.reseal', null);
  const orgKey = await orgKeyFor(vault, officer);
  const decrypt = async (data: Uint8Array) => Buffer.from(await decryptWith(data, orgKey));
  return commitChange(vault, async (trx) => {
    const at = vault.now();
    const newest = await trx.selectFrom('credential_versions as v').innerJoin('accounts as a', 'a.id', 'v.account_id')
      .select(['a.id', 'a.slug', 'v.version', 'v.envelope', 'v.password_hash'])
      .where('a.status', '=', 'active')
      .where('v.version', '=', (eb) => eb.selectFrom('credential_versions as n').select((n) => n.fn.max('n.version').as('m')).whereRef('n.account_id', '=', 'v.account_id'))
      .orderBy('a.slug').execute();
    const resealed: ResealView['resealed'] = [];
    const audit: AuditDraft[] = [];
    for (const row of newest) {
      if (sealedFields(row.envelope)) continue;
      const account = { id: Number(row.id), slug: row.slug };
      const from = Number(row.version);
      const content = await readVersionByEscrow(trx, account, from, decrypt);
      const version = await writeVersion(trx, account, content, { reason: 'reseal', by: officer.login, at, passwordHash: row.password_hash });
      await carryRecoveryCodeUses(trx, account.id, from, version);
      const fields = FIELDS.filter((f) => content[f] !== undefined);
      resealed.push({ slug: account.slug, from, version, fields });
      audit.push({ action: 'vault.reseal', actor: officer.login, subject: account.slug, outcome: 'ok', details: { from_version: from, version, fields } });
    }
    return { result: { resealed, current: newest.length - resealed.length }, audit };
  }, { by: officer });
}
