/**
 * gmv policy apply: switch the vault to another pack, or lay an override file over its pack. The
 * file is checked against the pack it will combine with before anything is written; its SHA-256 and
 * text go into the vault with a policy.apply audit entry in one transaction.
 */
import { sha256Hex } from '../crypto/kdf.js';
import { Actions } from '../audit/entry.js';
import { effectivePolicy, policyKind } from '../policy/policy.js';
import { authorize } from './access.js';
import type { KeyHolder } from './keys.js';
import { orgSecretFor } from './officer-keys.js';
import { sealPolicy } from './state-seals.js';
import { commitChange, packText, POLICY_META, recordedPolicy, type Vault } from './vault.js';

export interface ApplyOptions {
  actor: KeyHolder;
  file: { text: string; source: string };
}

export interface ApplyResult {
  kind: 'pack' | 'override';
  name: string;
  pack: string;
  sha256: string;
}

export async function applyPolicy(vault: Vault, options: ApplyOptions): Promise<ApplyResult> {
  const { actor, file } = options;
  await authorize(vault, actor, 'policy.apply', file.source);
  const kind = await policyKind(file.text, file.source);
  const sha256 = sha256Hex(file.text);
  const orgSigner = await orgSecretFor(vault, actor);
  return commitChange<ApplyResult>(vault, async (trx) => {
    // Read inside the write transaction, so an override is checked against the pack it will really
    // lie over even when another officer switched packs meanwhile. A bad file throws POLICY_INVALID
    // (with its line and column) and nothing is written.
    const current = await recordedPolicy(trx);
    const policy = kind === 'pack'
      ? await effectivePolicy(file)
      : await effectivePolicy({ text: await packText(current.pack.body), source: 'recorded in the vault' }, file);
    const name = kind === 'pack' ? policy.name : policy.override!;
    const at = vault.now().toISOString();
    const row = await trx.insertInto('policies').values({ sha256, body: file.text, applied_at: at }).returning('id').executeTakeFirstOrThrow();
    const id = String(row.id);
    await trx.deleteFrom('vault_meta').where('key', 'in', [POLICY_META.pack, POLICY_META.override]).execute();
    const meta = kind === 'pack'
      ? [{ key: POLICY_META.pack, value: id }]
      : [{ key: POLICY_META.pack, value: String(current.pack.id) }, { key: POLICY_META.override, value: id }];
    await trx.insertInto('vault_meta').values(meta).execute();
    await sealPolicy(trx, vault.vaultId, orgSigner, kind === 'pack' ? { pack: sha256, override: null } : { pack: current.pack.sha256, override: sha256 }, at);
    return {
      result: { kind, name, pack: policy.name, sha256 },
      audit: [{ action: Actions.policyApply, actor: actor.login, subject: name, outcome: 'ok',
        details: { kind, pack: policy.name, sha256, source: file.source, ...(kind === 'pack' && current.override ? { override_dropped: current.override.sha256 } : {}) } }],
    };
  }, { by: actor });
}
