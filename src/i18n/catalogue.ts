/**
 * The one message catalogue: every user-facing sentence, in English and Simplified Chinese.
 * Templates use {name} placeholders; a key missing in one language is a type error.
 */
export type Lang = 'en' | 'zh-CN';

const en = {
  'error.USAGE': '{detail}',
  'error.TTY_REQUIRED': '{what} cannot be asked for without a terminal. Pass {flag} instead.',
  'error.VAULT_NOT_FOUND': 'No vault at {path}. Create one with: gmv init --org … (or point --vault / GMV_VAULT at an existing vault).',
  'error.VAULT_EXISTS': 'A vault already exists at {path}; gmv init never overwrites one. Choose another --vault path.',
  'error.VAULT_CORRUPT': 'The vault {path} is corrupt or is not a gmv vault ({detail}). Nothing was changed. Restore it from a backup.',
  'error.VAULT_UNREADABLE': 'Cannot open the vault {path}: {detail}. Check the path and its permissions.',
  'error.VAULT_NOT_INITIALIZED': 'The database {path} holds no gmv vault. Create one with: gmv init …',
  'error.STORE_UNAVAILABLE': 'The vault database is unreachable ({detail}). Check that PostgreSQL is running and GMV_DATABASE_URL is right.',
  'error.STORE_BUSY': 'The vault is busy with another writer ({detail}). Nothing was changed; retry the command.',
  'error.SCHEMA_TOO_NEW': 'This vault uses schema version {found}, newer than this gmv understands ({known}). Upgrade gmv; the vault was not touched.',
  'error.FILE_NOT_FOUND': 'File not found: {path}.',
  'error.FILE_UNREADABLE': 'Cannot read {path}: {detail}.',
  'error.OUTPUT_EXISTS': '{path} already exists; refusing to overwrite it. Remove it or choose another path.',
  'error.INVALID_INPUT': 'Invalid {what}: {detail}.',
  'error.PASSPHRASE_EMPTY': 'The passphrase read from {source} is empty.',
  'error.PASSPHRASE_WEAK': 'Passphrase rejected: {reason}. Choose a longer, uncommon passphrase.',
  'error.POLICY_INVALID': 'Policy {source} is invalid: {detail}.',
  'error.PERSON_NOT_FOUND': 'No person with login handle {login}. See: gmv staff list.',
  'error.PERSON_EXISTS': 'A person with login handle {login} already exists.',
  'error.AUTH_FAILED': 'Authentication failed for {login}: wrong passphrase or a device this person is not enrolled on. The attempt was recorded in the audit log.',
  'error.DEVICE_KEY_MISSING': 'This terminal has no device key for vault {vault} ({path}). Enroll it with: gmv device enroll --login HANDLE.',
  'error.DEVICE_KEY_MISMATCH': 'The device key at {path} belongs to another vault or device ({detail}). It will not be used.',
  'error.DENIED_ROLE': 'Denied: {action} needs the role {role}; {login} does not have it. Ask a security officer.',
  'error.DENIED_RETENTION': 'Denied: audit entries newer than {limit} are inside the retention period ({days} days) and cannot be pruned.',
  'error.AUDIT_TAMPERED': 'Audit log integrity failure at entry #{seq}: {detail}. Treat the vault as tampered with; compare with an exported checkpoint and a backup.',
  'error.CHECKPOINT_INVALID': 'Checkpoint {what} is not valid: {detail}.',
  'error.CHECKPOINT_INCONSISTENT': 'The audit log is not an extension of the checkpoint of size {size}: {detail}. Entries were removed, reordered or rewritten.',
  'error.CHECKPOINT_FOREIGN': 'The checkpoint belongs to vault {found}, not to this vault ({expected}).',
  'error.INTERNAL': 'Internal error: {detail}. Run again with --debug and report it.',

  'init.done': 'Vault created at {location} for {org} ({unit}). Security officer: {login}. Organisation key {fingerprint}.',
  'init.recoveryNote': 'Keep this terminal\'s device key ({deviceFile}): without it {login} cannot unlock on this machine.',
  'audit.verify.ok': 'Audit log verified: {entries} entries, {checkpoints} signed checkpoints, root {root}.',
  'audit.verify.pruned': '{count} entries up to #{upTo} were pruned under signed prune entries (hashes kept).',
  'audit.verify.consistent': 'Consistent with the checkpoint of size {size} ({time}).',
  'audit.verify.unsignedTail': 'Warning: the last {count} entries are not yet covered by a signed checkpoint.',
  'audit.log.empty': 'No audit entries match.',
  'audit.export.done': 'Wrote {files} to {dir}. Verify with: gpg --import {key} && gpg --verify {sig} {body}',
  'audit.prune.done': 'Pruned {count} entries before {before} (their hashes stay in the tree).',
  'audit.prune.nothing': 'Nothing to prune before {before}.',
  'orgKey.fingerprint': 'Organisation key fingerprint: {fingerprint}',
  'detail.entryMissing': 'the entry is missing',
  'detail.entryChanged': 'the entry no longer matches its recorded hash',
  'detail.columnsChanged': 'the listed fields differ from the hashed entry',
  'detail.prunedHashMalformed': 'the stored hash of a pruned entry is malformed',
  'detail.checkpointRecord': 'checkpoint record {checkpoint} does not match its signed body',
  'detail.rootMismatch': 'the recomputed Merkle root of entries #{seq}–#{last} differs from signed checkpoint {checkpoint} of {time}',
  'detail.unknownSigner': 'checkpoint {checkpoint} is signed by {signer}, a key the organisation never certified',
  'detail.badSignature': 'the signature of checkpoint {checkpoint} is invalid',
  'detail.truncated': 'a signed checkpoint covers {size} entries but only {seq} remain (truncated)',
  'detail.noCheckpoint': 'the log has entries but no signed checkpoint at all (gmv init always signs one)',
  'detail.unauthorizedPrune': 'the entry was emptied without a signed prune entry covering it',
  'detail.orgKeyReplaced': 'the vault\'s organisation key {found} is not the pinned key {pinned}',
  'detail.orgKeyMismatch': 'the stored organisation key does not match its fingerprint',
  'detail.logShorter': 'the log now holds only {entries} entries',
  'detail.proofFailed': 'the consistency proof does not verify against the checkpoint\'s root',
  'prompt.passphrase': 'Passphrase for {login}: ',
  'prompt.passphraseAgain': 'Repeat the passphrase: ',
  'prompt.mismatch': 'The two passphrases differ.',
} as const;

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  'error.USAGE': '{detail}',
  'error.TTY_REQUIRED': '没有终端，无法询问{what}。请改用 {flag} 参数。',
  'error.VAULT_NOT_FOUND': '{path} 处没有保险库。请用 gmv init --org … 创建（或用 --vault / GMV_VAULT 指向已有保险库）。',
  'error.VAULT_EXISTS': '{path} 处已有保险库；gmv init 不会覆盖。请换一个 --vault 路径。',
  'error.VAULT_CORRUPT': '保险库 {path} 已损坏或不是 gmv 保险库（{detail}）。未做任何更改。请从备份恢复。',
  'error.VAULT_UNREADABLE': '无法打开保险库 {path}：{detail}。请检查路径和权限。',
  'error.VAULT_NOT_INITIALIZED': '数据库 {path} 中没有 gmv 保险库。请用 gmv init … 创建。',
  'error.STORE_UNAVAILABLE': '无法连接保险库数据库（{detail}）。请确认 PostgreSQL 正在运行且 GMV_DATABASE_URL 正确。',
  'error.STORE_BUSY': '保险库正被另一个写入者占用（{detail}）。未做任何更改，请重试。',
  'error.SCHEMA_TOO_NEW': '此保险库的结构版本为 {found}，高于本 gmv 支持的版本（{known}）。请升级 gmv；保险库未被改动。',
  'error.FILE_NOT_FOUND': '找不到文件：{path}。',
  'error.FILE_UNREADABLE': '无法读取 {path}：{detail}。',
  'error.OUTPUT_EXISTS': '{path} 已存在，拒绝覆盖。请删除它或换一个路径。',
  'error.INVALID_INPUT': '{what} 无效：{detail}。',
  'error.PASSPHRASE_EMPTY': '从 {source} 读取的口令为空。',
  'error.PASSPHRASE_WEAK': '口令不符合要求：{reason}。请使用更长、不常见的口令。',
  'error.POLICY_INVALID': '策略 {source} 无效：{detail}。',
  'error.PERSON_NOT_FOUND': '没有登录名为 {login} 的人员。请查看：gmv staff list。',
  'error.PERSON_EXISTS': '登录名 {login} 已存在。',
  'error.AUTH_FAILED': '{login} 身份验证失败：口令错误，或此终端未为该人员登记。本次尝试已记入审计日志。',
  'error.DEVICE_KEY_MISSING': '此终端没有保险库 {vault} 的设备密钥（{path}）。请用 gmv device enroll --login 登录名 登记。',
  'error.DEVICE_KEY_MISMATCH': '{path} 处的设备密钥属于其他保险库或设备（{detail}），不会使用。',
  'error.DENIED_ROLE': '拒绝：{action} 需要 {role} 角色，{login} 没有该角色。请联系安全管理员。',
  'error.DENIED_RETENTION': '拒绝：晚于 {limit} 的审计记录仍在保存期（{days} 天）内，不能清理。',
  'error.AUDIT_TAMPERED': '审计日志第 #{seq} 条完整性校验失败：{detail}。请按被篡改处理，并与导出的检查点和备份比对。',
  'error.CHECKPOINT_INVALID': '检查点 {what} 无效：{detail}。',
  'error.CHECKPOINT_INCONSISTENT': '审计日志不是大小为 {size} 的检查点的延续：{detail}。有记录被删除、重排或改写。',
  'error.CHECKPOINT_FOREIGN': '该检查点属于保险库 {found}，而不是本保险库（{expected}）。',
  'error.INTERNAL': '内部错误：{detail}。请加 --debug 重新运行并报告。',

  'init.done': '已在 {location} 为 {org}（{unit}）创建保险库。安全管理员：{login}。组织密钥 {fingerprint}。',
  'init.recoveryNote': '请保管好本终端的设备密钥（{deviceFile}）：没有它，{login} 无法在本机解锁。',
  'audit.verify.ok': '审计日志校验通过：{entries} 条记录，{checkpoints} 个已签名检查点，根哈希 {root}。',
  'audit.verify.pruned': '#{upTo} 及之前的 {count} 条记录已按已签名的清理记录清理（哈希保留）。',
  'audit.verify.consistent': '与大小为 {size} 的检查点（{time}）一致。',
  'audit.verify.unsignedTail': '警告：最后 {count} 条记录尚未被已签名检查点覆盖。',
  'audit.log.empty': '没有符合条件的审计记录。',
  'audit.export.done': '已将 {files} 写入 {dir}。验证方法：gpg --import {key} && gpg --verify {sig} {body}',
  'audit.prune.done': '已清理 {before} 之前的 {count} 条记录（其哈希仍保留在树中）。',
  'audit.prune.nothing': '{before} 之前没有可清理的记录。',
  'orgKey.fingerprint': '组织密钥指纹：{fingerprint}',
  'detail.entryMissing': '该记录缺失',
  'detail.entryChanged': '该记录与其登记的哈希不符',
  'detail.columnsChanged': '列出的字段与已哈希的记录不一致',
  'detail.prunedHashMalformed': '已清理记录的哈希格式错误',
  'detail.checkpointRecord': '检查点记录 {checkpoint} 与其签名内容不符',
  'detail.rootMismatch': '重新计算的第 #{seq}–#{last} 条记录的默克尔根与 {time} 的已签名检查点 {checkpoint} 不符',
  'detail.unknownSigner': '检查点 {checkpoint} 由 {signer} 签名，该密钥从未经组织认证',
  'detail.badSignature': '检查点 {checkpoint} 的签名无效',
  'detail.truncated': '已签名检查点覆盖 {size} 条记录，但只剩 {seq} 条（被截断）',
  'detail.noCheckpoint': '日志有记录却没有任何已签名检查点（gmv init 总会签署一个）',
  'detail.unauthorizedPrune': '该记录被清空，但没有覆盖它的已签名清理记录',
  'detail.orgKeyReplaced': '保险库的组织密钥 {found} 不是固定的密钥 {pinned}',
  'detail.orgKeyMismatch': '存储的组织密钥与其指纹不符',
  'detail.logShorter': '日志现在只有 {entries} 条记录',
  'detail.proofFailed': '一致性证明无法与该检查点的根哈希对上',
  'prompt.passphrase': '{login} 的口令：',
  'prompt.passphraseAgain': '再次输入口令：',
  'prompt.mismatch': '两次输入的口令不一致。',
};

const catalogues: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zh };

/**
 * Fill a template; unknown placeholders stay visible so a missing parameter is noticed, not hidden.
 * A parameter whose value is itself a catalogue key (detail.*) is rendered in the same language.
 */
export function render(key: MessageKey, params: Record<string, string | number>, lang: Lang): string {
  const template = catalogues[lang][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(params, name)) return whole;
    const value = params[name]!;
    return typeof value === 'string' && value.startsWith('detail.') && Object.hasOwn(en, value)
      ? render(value as MessageKey, params, lang)
      : String(value);
  });
}

/** Language from an explicit flag, else from LC_ALL / LC_MESSAGES / LANG (zh* means zh-CN). */
export function pickLang(flag: string | undefined, env: NodeJS.ProcessEnv): Lang {
  const source = flag ?? env.LC_ALL ?? env.LC_MESSAGES ?? env.LANG ?? '';
  return /^zh/i.test(source) ? 'zh-CN' : 'en';
}

export const LANGS: readonly Lang[] = ['en', 'zh-CN'];
