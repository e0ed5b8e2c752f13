/** What backup verify and restore print, and where `--to` points. */
import { resolve } from 'node:path';
import type { MessageKey } from '../src/i18n/catalogue.js';
import type { StoreTarget } from '../src/local/vault-location.js';
import type { CheckedBackup } from '../src/services/backup-restore.js';

type T = (key: MessageKey, params: Record<string, string | number>) => string;

/** `--to`: a postgres:// or postgresql:// URL, else a SQLite file path. */
export function restoreTarget(to: string): StoreTarget {
  return /^postgres(ql)?:\/\//.test(to) ? { kind: 'postgres', url: to } : { kind: 'sqlite', path: resolve(to) };
}

export function checkedLines(r: CheckedBackup, t: T): string[] {
  const m = r.manifest;
  const signer = m.signer.kind === 'person' ? `${m.signer.login ?? ''} (${m.signer.fingerprint})` : `${m.signer.device ?? ''} (${m.signer.login ?? ''}, ${m.signer.fingerprint})`;
  const cp = m.audit.checkpoint;
  return [
    t('backup.checked.file', { file: r.file, vault: m.vault, at: m.created_at, schema: m.schema_version, dialect: m.dialect }),
    t('backup.checked.signer', { signer, kind: m.signer.kind === 'person' ? t('backup.signer.person', {}) : t('backup.signer.device', {}), org: r.orgKey.fingerprint, pinned: r.orgKey.pinned === null ? t('backup.org.unpinned', {}) : r.orgKey.pinned === r.orgKey.fingerprint ? t('backup.org.pinned', {}) : t('backup.org.pinnedChain', { pinned: r.orgKey.pinned }) }),
    t('backup.checked.opened', { who: r.openedWith }),
    t('backup.checked.rows', { rows: Object.values(m.tables).reduce((a, b) => a + b, 0), tables: Object.keys(m.tables).length }),
    t('backup.checked.audit', { entries: r.audit.entries, root: r.audit.root, checkpoint: cp ? cp.size : 0, signed: cp?.signed_at ?? '-' }),
  ];
}
