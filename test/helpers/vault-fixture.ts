/** A real vault made through the services (no CLI), for integration tests that need the store directly. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initVault } from '../../src/services/init.js';
import { openVault, commitChange, type Vault } from '../../src/services/vault.js';
import { parseCommonList } from '../../src/policy/passphrase-rules.js';
import { Secret } from '../../src/crypto/secret.js';
import type { AuditDraft } from '../../src/audit/entry.js';
import { sandbox, type DialectName, type Sandbox } from './dialects.js';
import { OFFICER_PASSPHRASE } from './cli.js';

const root = join(import.meta.dirname, '..', '..');

export async function makeVault(dialect: DialectName, now?: () => Date): Promise<{ box: Sandbox; vault: Vault }> {
  const box = await sandbox(dialect);
  await initVault({
    target: box.target,
    paths: box.paths,
    org: '沈阳市测试局',
    unit: '宣传科',
    officerName: '李安',
    login: 'li.an',
    passphrase: Secret.fromString(OFFICER_PASSPHRASE),
    policy: { text: readFileSync(join(root, 'policies', 'default.yaml'), 'utf8'), source: 'default' },
    commonPasswords: parseCommonList(readFileSync(join(root, 'policies', 'common-passwords.txt'), 'utf8')),
    recovery: { out: join(box.dir, 'recovery.asc') },
    now,
  });
  const vault = await openVault({ target: box.target, paths: box.paths, now });
  return { box, vault };
}

/** Append `count` entries in commits of `perCommit`, each commit ending with a device-signed checkpoint. */
export async function appendSample(vault: Vault, count: number, perCommit = 5): Promise<void> {
  for (let i = 0; i < count; i += perCommit) {
    const drafts: AuditDraft[] = [];
    for (let j = i; j < Math.min(count, i + perCommit); j++) {
      drafts.push({ action: 'test.event', actor: `user${j % 3}`, subject: `thing-${j}`, outcome: j % 4 === 0 ? 'denied' : 'ok', details: { n: j } });
    }
    await commitChange(vault, async () => ({ result: undefined, audit: drafts }));
  }
}
