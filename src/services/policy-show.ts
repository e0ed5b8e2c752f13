/** gmv policy show: the effective value of each rule, where it came from and the article it rests on. */
import type { PolicyRule } from '../policy/policy.js';
import { activePolicy, recordedPolicy, type Vault } from './vault.js';

export interface PolicyShowResult {
  pack: { name: string; sha256: string; appliedAt: string };
  override: { name: string; sha256: string; appliedAt: string } | null;
  rules: PolicyRule[];
}

export async function showPolicy(vault: Vault): Promise<PolicyShowResult> {
  const db = vault.store.db;
  const [recorded, policy] = await Promise.all([recordedPolicy(db), activePolicy(db)]);
  return {
    pack: { name: policy.name, sha256: recorded.pack.sha256, appliedAt: recorded.pack.appliedAt },
    override: recorded.override && policy.override ? { name: policy.override, sha256: recorded.override.sha256, appliedAt: recorded.override.appliedAt } : null,
    rules: policy.rules,
  };
}
