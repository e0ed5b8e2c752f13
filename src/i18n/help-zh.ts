/**
 * The zh-CN texts of `gmv --help`: command summaries and descriptions, flag and argument
 * descriptions, topic descriptions (package.json oclif.topics) and the package description. Keyed
 * by the English text exactly as the command classes and package.json hold it (the gettext way): an
 * English text edited without its translation has none, and test/cli/help-zh.test.ts names it.
 * Headings and flag notes are in catalogue.ts; this table is loaded only when help is shown.
 */
import type { Lang } from './catalogue.js';

export const HELP_ZH: Readonly<Record<string, string>> = {
  // package.json: the package and its topics
  'Encrypted, audited credential vault for government new-media accounts (gmv)':
    '政务新媒体账号的加密、可审计凭据保险库（gmv）',
  'Tamper-evident audit log: list, verify, export checkpoints':
    '防篡改审计日志：列出、核验、导出检查点',
  'Signed checkpoints of the audit log':
    '审计日志的签名检查点',
  'The organisation':
    '组织',
  'The organisation\'s OpenPGP key':
    '组织的 OpenPGP 密钥',
  'The vault as a whole: re-seal credentials written before fields were sealed one by one':
    '保险库整体：重新封装按字段分别封装之前写入的凭据',
  'People: add, list, show, roles, unlock after failed logins':
    '人员：添加、列出、查看、角色、登录失败后解锁',
  'Training records (measures art. 25): record a completed course, see who lacks what':
    '培训记录（办法第二十五条）：登记已完成的课程，查看谁缺少什么',
  'Confidentiality agreements of contractor staff (measures art. 7)':
    '外包服务人员的保密协议（办法第七条）',
  'Units (departments) of the organisation':
    '组织的单位（科室）',
  'Authorized terminals: enroll, approve, revoke, certificates and CRL':
    '已授权终端：登记、批准、吊销、证书和证书吊销列表（CRL）',
  'The vault\'s device certificate authority':
    '保险库的设备证书颁发机构（CA）',
  'The device certificate revocation list':
    '设备证书吊销列表（CRL）',
  'Second login factor (TOTP)':
    '第二登录因素（TOTP）',
  'Your passphrase on this terminal':
    '您在本终端上的口令',
  'The account register: add, list, show, set, archive':
    '账号登记册：添加、列出、查看、修改、归档',
  'Credentials: store a field, reveal':
    '凭据：存储字段、查看',
  'Who may reveal, get codes for, or manage which account':
    '谁可以查看哪个账号的凭据、获取其动态码或管理它',
  'Guided password rotation and the rotation queue':
    '引导式密码轮换和轮换队列',
  'Accounts\' one-time recovery codes':
    '账号的一次性恢复码',
  'Policy packs: validate, show what the vault enforces, apply another pack or an override':
    '策略包：校验、查看保险库执行的策略、改用其他策略包或叠加覆盖文件',
  'Platform-side bindings: who is admin or operator on the platform itself':
    '平台侧绑定：谁是平台上的管理员或运营者',
  'Working days in China: holidays and adjusted working days, for deadlines':
    '中国的工作日：节假日和调休上班日，用于计算期限',
  'The filing register: what must be filed with the government office, and by when':
    '备案登记册：哪些事项须向政府办公室备案，期限何时',
  'Encrypted, signed backups: create, verify, restore (SQLite or PostgreSQL), drills':
    '加密、签名的备份：创建、核验、恢复（SQLite 或 PostgreSQL）、演练',
  'Signed two-person checklists: drills, inspections, cases; due dates, export and offline verification':
    '双人签署的检查单：演练、检查、案件；到期日、导出和离线核验',
  'Counterfeit-account cases (measures art. 29): report, list, show':
    '仿冒账号案件（办法第二十九条）：报告、列出、查看',
  // global flags (cli/base-command.ts)
  'SQLite vault file (default: $GMV_VAULT, else the XDG data dir). PostgreSQL: set GMV_DATABASE_URL.':
    'SQLite 保险库文件（默认：$GMV_VAULT，否则为 XDG 数据目录）。使用 PostgreSQL 时请设置 GMV_DATABASE_URL。',
  'Print machine-readable JSON.':
    '输出机器可读的 JSON。',
  'Language of messages (default from LANG).':
    '消息语言（默认取自 LANG）。',
  'Show stack traces of internal errors.':
    '显示内部错误的堆栈信息。',
  'No notes or warnings on stderr; results and errors only.':
    'stderr 上不输出提示或警告，只输出结果和错误。',
  // gmv completion
  'Print a shell completion script for gmv (bash or zsh): commands, subcommands and their flags.':
    '输出 gmv 的 shell 补全脚本（bash 或 zsh）：命令、子命令及其选项。',
  'Load it in your shell: eval "$(gmv completion bash)" in ~/.bashrc, or eval "$(gmv completion zsh)" in ~/.zshrc. It is generated from this gmv, so run it again after an upgrade.':
    '在 shell 中加载：在 ~/.bashrc 中写入 eval "$(gmv completion bash)"，或在 ~/.zshrc 中写入 eval "$(gmv completion zsh)"。脚本由当前 gmv 生成，升级后请重新运行。',
  'bash or zsh':
    'bash 或 zsh',
  // gmv import
  'Import accounts from a Bitwarden export (JSON or CSV), a KeePassXC CSV export or a list of otpauth:// URIs.':
    '从 Bitwarden 导出文件（JSON 或 CSV）、KeePassXC 的 CSV 导出文件或 otpauth:// URI 列表导入账号。',
  'All or nothing: malformed rows are listed by line and nothing is imported. --dry-run shows what would be created and what of each row is not kept. Platforms are recognised from login URLs; slugs come from the names (Chinese ones in pinyin), or from --slug-map. Password, login, TOTP and notes are kept. Delete the export file afterwards: it holds your passwords in clear.':
    '要么全部导入，要么不导入：格式有误的行按行号列出，且不导入任何内容。--dry-run 显示将创建的内容以及每行中不保留的内容。平台按登录网址识别；标识由名称生成（中文名称转为拼音），或取自 --slug-map。密码、登录名、TOTP 和备注均会保留。导入后请删除导出文件：其中以明文保存着您的密码。',
  'Unit that owns the imported accounts (default: yours, or the only unit)':
    '导入账号的所属单位（默认：您的单位，或唯一的单位）',
  'Platform when the URL does not tell (default: other)':
    '网址无法判断平台时使用的平台（默认：other）',
  'Show what would be created; change nothing':
    '显示将创建的内容，不做任何更改',
  'CSV file of "title,slug" lines: the slug to give the account of each title named':
    '“标题,标识”格式的 CSV 文件：为所列标题的账号指定标识',
  'Also grant every imported account to this person, in the same change (repeatable)':
    '在同一次变更中把导入的每个账号也授权给此人（可重复）',
  'What --grant allows: reveal, otp, manage (comma-separated)':
    '--grant 授予的权限：reveal、otp、manage（逗号分隔）',
  'Account slug, or its display name when only one account has it':
    '账号标识；若只有一个账号使用该显示名称，也可用显示名称',
  'Where the file comes from':
    '文件来源',
  'The export file':
    '导出文件',
  // gmv init
  'Create a vault: organisation, first unit, first security officer and the organisation key.':
    '创建保险库：组织、第一个单位、第一位安全管理员和组织密钥。',
  'Refuses to touch an existing vault. The officer\'s passphrase comes from a hidden prompt or --passphrase-file (FILE or - for standard input), never from the command line. This terminal becomes the officer\'s first authorized device.':
    '不会触碰已有的保险库。安全管理员的口令来自隐藏输入提示或 --passphrase-file（FILE，或 - 表示标准输入），绝不来自命令行。本终端成为该安全管理员的第一台已授权设备。',
  'Organisation name':
    '组织名称',
  'First unit (department)':
    '第一个单位（科室）',
  'Full name of the first security officer':
    '第一位安全管理员的姓名',
  'Login handle of the first security officer (e.g. li.an)':
    '第一位安全管理员的登录名（如 li.an）',
  'Read the officer passphrase from FILE, or - for standard input':
    '从 FILE 读取安全管理员口令，- 表示标准输入',
  'Write the organisation recovery key (armored OpenPGP private key, mode 0600) here, for offline storage':
    '将组织恢复密钥（ASCII 封装的 OpenPGP 私钥，权限 0600）写到此处，以便离线保管',
  'Split the recovery key into N Shamir shares (FILE.1 … FILE.N), one per officer':
    '将恢复密钥拆分为 N 份 Shamir 分片（FILE.1 … FILE.N），每位安全管理员一份',
  'Any K of the N shares rebuild the recovery key':
    'N 份分片中任意 K 份即可重建恢复密钥',
  'Policy pack (YAML) to record instead of the shipped default':
    '记录此策略包（YAML），代替随附的默认策略包',
  // gmv lock
  'Forget the unlocked key now (the session agent wipes it and exits).':
    '立即丢弃已解锁的密钥（会话代理将其清除并退出）。',
  // gmv login
  'Unlock your key on this authorized terminal and start a session (an agent holds the key in memory only).':
    '在本已授权终端上解锁您的密钥并开始会话（由代理仅在内存中保存密钥）。',
  'The session ends after the policy\'s idle time or maximum lifetime, or with gmv lock / gmv logout. With TOTP enrolled, a one-time code is also needed; each code is accepted once. Failed logins are throttled and, after the policy\'s limit, locked until a security officer unlocks the person.':
    '会话在策略规定的空闲时间或最长时限后结束，或用 gmv lock / gmv logout 结束。已登记 TOTP 的还需一次性动态码，每个动态码只接受一次。登录失败会被限速；达到策略上限后将被锁定，直到安全管理员为其解锁。',
  'Your login handle':
    '您的登录名',
  'Passphrase from FILE, or - for standard input (default: hidden prompt)':
    '从 FILE 读取口令，- 表示标准输入（默认：隐藏输入提示）',
  'One-time code from FILE, or - for standard input (only when TOTP is enrolled)':
    '从 FILE 读取一次性动态码，- 表示标准输入（仅在已登记 TOTP 时需要）',
  // gmv logout
  'End the session on this terminal and record it in the audit log.':
    '结束本终端上的会话，并记入审计日志。',
  // gmv otp
  'Print the account\'s current TOTP code and how many seconds it stays valid. Audited.':
    '显示该账号当前的 TOTP 动态码及其剩余有效秒数。记入审计。',
  'Account slug':
    '账号标识',
  // gmv recover
  'Restore a security officer\'s access with the organisation recovery key, when every officer has lost theirs.':
    '当所有安全管理员都已失去访问权限时，用组织恢复密钥恢复一位安全管理员的访问权限。',
  'Creates a new personal key for the officer on this terminal and wraps the organisation and device-CA keys for it; the officer\'s old keys are retired. Loudly audited.':
    '在本终端上为该安全管理员创建新的个人密钥，并为其封装组织密钥和设备 CA 密钥；其旧密钥随即停用。醒目地记入审计。',
  'The security officer to restore':
    '要恢复访问权限的安全管理员',
  'The armored recovery key written by gmv init':
    'gmv init 写出的 ASCII 封装恢复密钥',
  'A recovery share file (repeat: any K of the N)':
    '一个恢复分片文件（可重复：N 份中任意 K 份）',
  'The officer\'s new passphrase from FILE, or - (default: hidden prompt)':
    '从 FILE 读取该安全管理员的新口令，或 -（默认：隐藏输入提示）',
  // gmv report
  'The compliance report per unit and per article of the pack in force, signed (FILE.sig beside it) by the officer or auditor in the session.':
    '按单位、按现行策略包条款生成的合规报告，由会话中的安全管理员或审计员签名（旁附 FILE.sig）。',
  'Training and agreements (and who lapses within 30 days), rotations (departures first), checklists overdue, failed, unsigned or uncountersigned, unfiled accounts, open counterfeit cases, terminals, and the audit log verified from scratch. Each finding cites its article and says what to do. The JSON shape is documented in docs/REPORT.md.':
    '培训和协议（含 30 天内到期的人员）、轮换（离职优先）、逾期、失败、未签署或未复核的检查单、未备案账号、未结仿冒案件、终端，以及从头核验的审计日志。每项发现都注明所依据的条款并说明应如何处理。JSON 结构见 docs/REPORT.md。',
  'md (reads in a terminal), html (one self-contained page) or json (docs/REPORT.md)':
    'md（适合在终端阅读）、html（单个自包含页面）或 json（docs/REPORT.md）',
  'A new file; its signature goes to FILE.sig and the signer\'s public key to FILE.signer.asc':
    '新文件；签名写入 FILE.sig，签署人公钥写入 FILE.signer.asc',
  'Only this unit (vault-wide findings are still shown)':
    '仅限此单位（仍显示涉及整个保险库的发现）',
  'Judge deadlines and validity as of this China day (YYYY-MM-DD; default today)':
    '以此中国日期为准判断期限和有效性（YYYY-MM-DD；默认今天）',
  'Security officer or auditor who signs (without a session, e.g. from cron)':
    '签署报告的安全管理员或审计员（无会话时，如由 cron 运行）',
  'Unlock --login here: passphrase from FILE, or - for standard input':
    '在此解锁 --login 指定的人员：从 FILE 读取口令，- 表示标准输入',
  'With --passphrase-file, for people with TOTP: the current code from FILE or -':
    '与 --passphrase-file 一起使用，适用于启用 TOTP 的人员：从 FILE 或 - 读取当前动态码',
  // gmv whoami
  'Show the person logged in on this terminal and when the session ends.':
    '显示本终端上已登录的人员及会话结束时间。',
  // gmv account add
  'Register an official account (security officers and account admins).':
    '登记官方账号（安全管理员和账号管理员）。',
  'Warns when the unit already has an account on the same platform (Art. 8). An account admin who registers an account gets a reveal,otp,manage grant on it.':
    '该单位在同一平台上已有账号时发出警告（第八条）。登记账号的账号管理员将获得该账号的 reveal,otp,manage 授权。',
  'Unique short id (lowercase words joined by hyphens)':
    '唯一短标识（小写单词，用连字符连接）',
  'weibo, wechat-oa, wechat-channels, douyin, toutiao, kuaishou, bilibili, xiaohongshu, app, website, other':
    'weibo, wechat-oa, wechat-channels, douyin, toutiao, kuaishou, bilibili, xiaohongshu, app, website, other',
  'Display name on the platform':
    '平台上的显示名称',
  'Owning unit':
    '所属单位',
  'Handle or login id on the platform (not secret)':
    '平台上的账号名或登录 ID（非机密）',
  'Filing record number (备案号)':
    '备案号',
  'Government office the account is filed with':
    '账号备案的政府办公室',
  'Filing date (YYYY-MM-DD)':
    '备案日期（YYYY-MM-DD）',
  // gmv account archive
  'Archive an account (closed or handed over); its history and audit trail stay.':
    '归档账号（已关停或已移交）；其历史和审计记录保留。',
  // gmv account close
  'Close an idle account after its public announcement (measures art. 14): --announce records the announcement and the earliest closing day; without it, closes the account once that day has come.':
    '在公告后关停闲置账号（办法第十四条）：--announce 记录公告及最早可关停日；不带该选项时，在该日到来后关停账号。',
  'The earliest closing day is the announcement plus the policy\'s working days (15 in the Shenyang pack), counted on the working-day calendar. Closing archives the account; its history and audit trail stay.':
    '最早可关停日为公告日加上策略规定的工作日数（沈阳策略包为 15 个），按工作日日历计算。关停即归档账号；其历史和审计记录保留。',
  'Day the closure was announced publicly (YYYY-MM-DD, China)':
    '公开公告关停的日期（YYYY-MM-DD，中国时间）',
  // gmv account list
  'List registered accounts (no secrets): platform, unit, stored fields, grantees.':
    '列出已登记的账号（不含机密）：平台、单位、已存字段、被授权人。',
  'Only this unit':
    '仅限此单位',
  'Only this platform':
    '仅限此平台',
  'List archived accounts instead':
    '改为列出已归档的账号',
  'Only accounts this person holds a grant on':
    '仅限此人持有授权的账号',
  // gmv account set
  'Change an account\'s register data (name, unit, login id, filing).':
    '修改账号的登记信息（名称、单位、登录 ID、备案）。',
  'Display name':
    '显示名称',
  'Handle or login id on the platform':
    '平台上的账号名或登录 ID',
  'Filing record number':
    '备案号',
  // gmv account show
  'Show one account: register data, which fields are stored, grants. Never prints secrets.':
    '查看一个账号：登记信息、已存储哪些字段、授权。绝不输出机密。',
  // gmv audit log
  'List audit entries, oldest first.':
    '列出审计记录，从早到晚。',
  'Only entries by this login handle':
    '仅限此登录名所做的记录',
  'Only entries about this subject (login, slug, device id…)':
    '仅限关于此对象的记录（登录名、标识、设备编号…）',
  'Only this action (e.g. vault.init), or a family (device.*)':
    '仅限此操作（如 vault.init），或一类操作（device.*）',
  'From this date (YYYY-MM-DD, China time) or ISO timestamp':
    '自此日期（YYYY-MM-DD，中国时间）或 ISO 时间戳起',
  'Before this date or timestamp':
    '在此日期或时间戳之前',
  'Only the last N matching entries':
    '仅显示最后 N 条匹配的记录',
  // gmv audit prune
  'Drop the contents of audit entries older than a date (outside the policy\'s retention only).':
    '清除早于某日期的审计记录内容（仅限策略规定的留存期之外）。',
  'Entry hashes stay in the Merkle tree, so every checkpoint still verifies; the prune is itself a signed entry. Refused (exit 4) for any date inside the retention period (at least 6 months).':
    '记录的哈希保留在 Merkle 树中，因此每个检查点仍可核验；清理本身也是一条签名记录。留存期（至少 6 个月）内的任何日期都会被拒绝（退出码 4）。',
  'Prune entries before this date (YYYY-MM-DD or ISO timestamp)':
    '清理此日期之前的记录（YYYY-MM-DD 或 ISO 时间戳）',
  'Security officer who prunes (without a session)':
    '执行清理的安全管理员（无会话时）',
  // gmv audit verify
  'Verify the audit log: every entry hash, the Merkle root at every checkpoint, every signature.':
    '核验审计日志：每条记录的哈希、每个检查点的 Merkle 根、每个签名。',
  'With --since-checkpoint, also proves (RFC 9162 consistency proof) that today\'s log extends an older exported checkpoint: truncation, reordering or rewriting are detected even if the whole tree was recomputed in the database. With --witness, checks the log against every witnessed checkpoint in the folder. It also refuses a log that does not extend the largest checkpoint this terminal has seen. Exit code 6 names the first bad entry.':
    '使用 --since-checkpoint 时，还会证明（RFC 9162 一致性证明）今天的日志是先前导出的某个检查点的延续：即使整棵树在数据库中被重新计算，截断、重排或改写也能被发现。使用 --witness 时，对照文件夹中每个已见证的检查点核验日志。日志若不是本终端所见最大检查点的延续，也会被拒绝。退出码 6 会指出第一条有问题的记录。',
  'An exported checkpoint.json (its .sig beside it) to check consistency with':
    '用于核验一致性的已导出 checkpoint.json（其 .sig 放在旁边）',
  'Pinned organisation public key (default: org-key.asc beside the checkpoint)':
    '固定的组织公钥（默认：检查点旁的 org-key.asc）',
  'A folder of witnessed checkpoints (gmv audit witness --out): the log must agree with every one':
    '存放已见证检查点的文件夹（gmv audit witness --out）：日志必须与其中每一个一致',
  // gmv audit witness
  'Hand the newest signed audit checkpoint to a second place, signed by this terminal\'s device key.':
    '将最新的签名审计检查点交给另一处保存，由本终端的设备密钥签名。',
  'Writes one file per checkpoint (and its detached signature .sig) into DIR, for example a supervising office\'s folder or share; a checkpoint already there is left as it is and nothing is overwritten, so it can run from cron. Check the vault against the folder later with: gmv audit verify --witness DIR. Needs an approved terminal; writes nothing into the vault.':
    '每个检查点写一个文件（及其分离签名 .sig）到 DIR，例如上级监督部门的文件夹或共享目录；已存在的检查点保持原样，不覆盖任何文件，因此可由 cron 运行。之后可用 gmv audit verify --witness DIR 对照该文件夹核验保险库。需要已批准的终端；不向保险库写入任何内容。',
  'Directory to write into (created if missing; existing files are never overwritten)':
    '写入的目录（不存在则创建；已有文件绝不覆盖）',
  'Every hour, as a crontab line':
    '每小时一次，作为 crontab 中的一行',
  // gmv backup create
  'Write an encrypted, signed backup of the whole vault while it is in use (security officers).':
    '在保险库使用中为整个保险库写出加密、签名的备份（安全管理员）。',
  'A consistent snapshot (one read transaction) as portable SQL, encrypted with OpenPGP to the organisation recovery key and to every current holder of the roles the policy names in backups.encrypt_to_roles, security officers by default (GnuPG 2.2 decrypts it), with a manifest — schema version, rows per table, audit tree size and root, latest checkpoint — signed by the officer of this session, or, without a session (a nightly job), by this terminal\'s device key on behalf of the officer it belongs to. See docs/RECOVERY.md.':
    '一致的快照（一个读事务），以可移植 SQL 形式保存，用 OpenPGP 加密给组织恢复密钥和策略 backups.encrypt_to_roles 所列角色的每位现任人员（默认为安全管理员）（GnuPG 2.2 可解密），附带清单（模式版本、各表行数、审计树大小和根哈希、最新检查点），清单由本会话的安全管理员签名；无会话时（如夜间任务）由本终端的设备密钥代表其所属的安全管理员签名。见 docs/RECOVERY.md。',
  'The backup file to write (must not exist)':
    '要写出的备份文件（必须尚不存在）',
  // gmv backup drill
  'Run the restore drill (measures art. 28): restore the latest backup into a scratch vault, verify it, compare it with the live vault, time it, and record it as a checklist run to sign (security officers).':
    '执行恢复演练（办法第二十八条）：将最新备份恢复到临时保险库，核验后与在用保险库比对并计时，记为一次待签署的检查单（安全管理员）。',
  'The three steps of the backup-restore-drill checklist are recorded with what was measured: the backup file\'s SHA-256, the restored manifest, the comparison (the live audit log must extend the backup\'s; row counts side by side) and the restore time. Then: gmv checklist sign RUN, and a second officer gmv checklist countersign RUN.':
    '备份恢复演练检查单的三个步骤连同测得的数据一并记录：备份文件的 SHA-256、恢复出的清单、比对结果（在用审计日志必须是备份中日志的延续；各表行数并列）和恢复耗时。随后：gmv checklist sign RUN，再由另一位安全管理员执行 gmv checklist countersign RUN。',
  'The backup to drill with (default: the newest this vault recorded making, if its file is still there)':
    '用于演练的备份（默认：本保险库记录的最近一次备份，如其文件仍在）',
  'Open the backup with the organisation recovery key instead of your session':
    '用组织恢复密钥而不是您的会话打开备份',
  // gmv backup restore
  'Restore a backup into a new vault: a SQLite path or a PostgreSQL URL (either backup restores on either).':
    '将备份恢复为新的保险库：SQLite 路径或 PostgreSQL URL（任一种备份都可恢复到任一种）。',
  'Everything gmv backup verify checks is checked first, on a scratch copy; only then is the vault put in place (a SQLite file renamed into place, or one PostgreSQL transaction), so a failure or an interruption leaves nothing that looks like a vault. An existing vault is never overwritten without --force. A backup older than the newest checkpoint the target or this terminal has seen is refused unless --allow-rollback, which is audited in the restored vault.':
    '先在临时副本上完成 gmv backup verify 的全部检查；之后才将保险库放到位（SQLite 文件改名到位，或一个 PostgreSQL 事务），因此失败或中断不会留下看似保险库的东西。没有 --force 绝不覆盖已有保险库。早于目标或本终端所见最新检查点的备份会被拒绝，除非使用 --allow-rollback，此操作会记入恢复后保险库的审计日志。',
  'Where to restore: a SQLite file path or a postgres:// URL':
    '恢复到何处：SQLite 文件路径或 postgres:// URL',
  'The organisation recovery key (armored, from gmv init)':
    '组织恢复密钥（ASCII 封装，来自 gmv init）',
  'The organisation public key you pinned: the backup\'s, or one its signed re-keys hand over from':
    '您固定的组织公钥：须为备份中的组织公钥，或经签名的密钥更换交接到它的早先密钥',
  'Replace a vault that is already there':
    '替换已存在的保险库',
  'Restore a backup older than a checkpoint already seen (audited)':
    '恢复早于已见检查点的备份（记入审计）',
  'The backup file':
    '备份文件',
  // gmv backup verify
  'Check a backup without restoring it: signature and signer, decryption, manifest against the contents, audit log against its checkpoint.':
    '不恢复而检查备份：签名和签署人、解密、清单与内容是否相符、审计日志与其检查点是否相符。',
  'Opens the backup with --recovery-key FILE, or as the officer of this session. It is loaded into a scratch file that is removed afterwards; exit 6 names what fails.':
    '用 --recovery-key FILE 或以本会话的安全管理员身份打开备份。备份载入临时文件，用后删除；退出码 6 指出哪一项未通过。',
  // gmv binding add
  'Record who is bound to an account on the platform itself (admin, long-term or short-term operator).':
    '记录谁在平台上绑定了某个账号（管理员、长期或短期运营者）。',
  'Role on the platform':
    '平台上的角色',
  'Staff login handle':
    '工作人员的登录名',
  'Name of someone outside the vault':
    '保险库之外人员的姓名',
  'When the binding was made (YYYY-MM-DD, China time; default today)':
    '绑定日期（YYYY-MM-DD，中国时间；默认今天）',
  'When it lapses (YYYY-MM-DD; short-term operators: 30 days by default)':
    '失效日期（YYYY-MM-DD；短期运营者默认 30 天）',
  // gmv binding list
  'List platform-side bindings, by account or by person (e.g. before offboarding).':
    '按账号或按人员列出平台侧绑定（如在离岗前）。',
  'Only this person\'s bindings':
    '仅限此人的绑定',
  'Only this account':
    '仅限此账号',
  // gmv binding remove
  'Record that a platform-side binding was undone on the platform.':
    '记录某个平台侧绑定已在平台上解除。',
  'Binding number (see gmv binding list)':
    '绑定编号（见 gmv binding list）',
  // gmv calendar add-workdays
  'The day N working days after a date (the deadline of "within N working days").':
    '某日期之后第 N 个工作日（即“N 个工作日内”的期限）。',
  'The count starts the day after DATE and skips weekends and public holidays, counting adjusted working days (调休). A count that reaches a day no known calendar covers exits 12 (CALENDAR_UNKNOWN): it is never guessed. A negative N counts back (write it after --).':
    '从 DATE 的次日开始计数，跳过周末和法定节假日，调休上班日计入。数到任何已知日历都未覆盖的日期时以退出码 12（CALENDAR_UNKNOWN）退出：绝不猜测。N 为负数时向前倒数（写在 -- 之后）。',
  'The first day, YYYY-MM-DD (a civil date in China)':
    '起始日期，YYYY-MM-DD（中国的公历日期）',
  'How many working days':
    '工作日数',
  // gmv calendar import
  'Import a year\'s working-day calendar, as the State Council published it (security officers only).':
    '导入国务院公布的某一年工作日日历（仅限安全管理员）。',
  'FILE is a calendar file (docs/calendar-files.md). It is validated first (exit 11 with the line of the problem, nothing stored); then its text and SHA-256 are stored in the vault with an audit entry. The latest import of a year is the one deadlines count with.':
    'FILE 是日历文件（docs/calendar-files.md）。先校验（有问题时以退出码 11 退出并给出问题所在行，不存储任何内容）；然后将其文本和 SHA-256 存入保险库并写入审计记录。某年最后一次导入的日历即为计算期限所用的日历。',
  'The calendar file (YAML)':
    '日历文件（YAML）',
  // gmv calendar is-workday
  'Is a day a working day in China (public holidays and adjusted working days counted)?':
    '某天在中国是否为工作日（计入法定节假日和调休上班日）？',
  'Prints yes or no and exits 0 either way. A day no known calendar covers exits 12 (CALENDAR_UNKNOWN): it is never guessed.':
    '输出 yes 或 no，两种情况都以退出码 0 退出。任何已知日历都未覆盖的日期以退出码 12（CALENDAR_UNKNOWN）退出：绝不猜测。',
  'The day, YYYY-MM-DD (a civil date in China)':
    '日期，YYYY-MM-DD（中国的公历日期）',
  // gmv checklist countersign
  'Countersign a signed run: a second person holding one of the template\'s countersigning roles attests it (the performer is refused).':
    '复核签署已签署的检查单：由持有模板规定复核角色之一的第二人证实（执行人本人会被拒绝）。',
  'Run id':
    '检查单编号',
  // gmv checklist due
  'What is due or overdue: periodic checklists by their cadence (drills, inspections, sweeps) and open runs by their working-day deadline.':
    '到期或逾期事项：按周期的定期检查单（演练、检查、巡查）和按工作日期限的未完成检查单。',
  // gmv checklist export
  'Export a signed run for auditors: the record, both signatures, the signers\' keys with the organisation\'s certification, a signed audit checkpoint with inclusion proofs, and VERIFY.txt (security officers).':
    '为审计导出已签署的检查单：记录、两个签名、签署人密钥及组织的认证、带包含证明的签名审计检查点，以及 VERIFY.txt（安全管理员）。',
  'A new or empty directory':
    '新的或空的目录',
  // gmv checklist list
  'List checklist runs with their status and deadline.':
    '列出检查单及其状态和期限。',
  'Only runs not yet complete':
    '仅限尚未完成的检查单',
  // gmv checklist run
  'Walk the open steps of a run at a terminal, with prompts: status, note, evidence files. Each answer is recorded as gmv checklist step would.':
    '在终端上逐项完成检查单中未完成的步骤，并给出提示：状态、备注、证据文件。每个回答都按 gmv checklist step 的方式记录。',
  // gmv checklist show
  'Show one run: its steps with status, notes and evidence hashes, who signed and countersigned.':
    '查看一个检查单：各步骤的状态、备注和证据哈希，谁签署、谁复核签署。',
  // gmv checklist sign
  'Sign a finished run as its performer, with your person key (OpenPGP). The record is fixed from then on.':
    '作为执行人用您的个人密钥（OpenPGP）签署已完成的检查单。此后记录即固定不变。',
  // gmv checklist start
  'Start a checklist run from a template of the policy pack (a drill, an inspection, a case…); prints its id and deadline.':
    '从策略包的模板开始一个检查单（演练、检查、案件…）；输出其编号和期限。',
  'The account the run is about':
    '该检查单涉及的账号',
  'Template id (see gmv policy show)':
    '模板编号（见 gmv policy show）',
  // gmv checklist step
  'Record a step of a run: done, failed or not applicable, with a note and evidence files (their SHA-256, size and name are recorded, not their content).':
    '记录检查单的一个步骤：完成、失败或不适用，附备注和证据文件（记录其 SHA-256、大小和名称，不记录内容）。',
  'The step\'s outcome':
    '该步骤的结果',
  'What was found or why (required for failed and na)':
    '发现了什么或原因（failed 和 na 时必填）',
  'An evidence file (repeat for several)':
    '一个证据文件（可重复指定多个）',
  'Run id (R-0001)':
    '检查单编号（R-0001）',
  'Step id of the template':
    '模板中的步骤编号',
  // gmv checklist verify
  'Check an exported run offline, with nothing but its folder: signatures, key certifications, the audit entries in the signed checkpoint, and the record against the log.':
    '仅凭导出的文件夹离线核验检查单：签名、密钥认证、签名检查点中的审计记录，以及记录与日志是否相符。',
  'Pin the organisation key you trust with --org-key; without it the folder\'s own org-key.asc is used and the output says so. A key pinned before a re-key is followed to the current one through the signed hand-overs in org-chain.json. Any failure is exit 6, naming what is wrong.':
    '用 --org-key 固定您信任的组织密钥；不指定时使用文件夹自带的 org-key.asc，并在输出中注明。更换组织密钥之前固定的密钥，将经由 org-chain.json 中已签名的交接追溯到当前密钥。任何失败都以退出码 6 退出，并指出问题所在。',
  'The organisation public key you trust (armored)':
    '您信任的组织公钥（ASCII 封装）',
  'The exported folder':
    '导出的文件夹',
  // gmv filing due
  'What the filing register owes: accounts not yet filed with their deadline (20 working days after registration), and announced closures with their earliest closing day.':
    '备案登记册的待办事项：尚未备案的账号及其期限（登记后 20 个工作日），以及已公告的关停及其最早可关停日。',
  'Deadlines are counted on the working-day calendar; one that needs a day no known calendar covers is shown as unknown and the command exits 12, never guessing.':
    '期限按工作日日历计算；需要任何已知日历都未覆盖的日期时显示为未知，命令以退出码 12 退出，绝不猜测。',
  // gmv grant add
  'Grant a person access to one or more accounts (security officers, in a session).':
    '授予某人访问一个或多个账号的权限（安全管理员，在会话中）。',
  'Wraps the current credential version for the person. Capabilities: reveal (see the credential; implies otp), otp (only TOTP codes), manage (set fields, rotate).':
    '为该人员封装当前凭据版本。权限：reveal（查看凭据，含 otp）、otp（仅 TOTP 动态码）、manage（设置字段、轮换）。',
  'Comma-separated: reveal, otp, manage':
    '逗号分隔：reveal, otp, manage',
  'Grant ends at this date (YYYY-MM-DD, China time) or timestamp':
    '授权截止于此日期（YYYY-MM-DD，中国时间）或时间戳',
  'Login handle':
    '登录名',
  'Account slug (more may follow)':
    '账号标识（可跟多个）',
  // gmv grant list
  'List grants in force, by person or by account.':
    '按人员或按账号列出有效的授权。',
  'Only this person':
    '仅限此人',
  // gmv grant remove
  'Remove a person\'s grant on an account; the account is queued for rotation (they may remember the password).':
    '取消某人对某账号的授权；该账号进入轮换队列（其可能记得密码）。',
  // gmv device add-key
  'Give your personal key to your newly approved terminal (run on a terminal where you can unlock).':
    '将您的个人密钥交给您新批准的终端（在您能解锁的终端上运行）。',
  'Your key is encrypted to the new terminal\'s own key; its first `gmv login` seals it under the passphrase you type there. Your current passphrase is asked here.':
    '您的密钥用新终端自身的密钥加密；新终端第一次运行 `gmv login` 时，用您在那里输入的口令将其封存。此处会询问您当前的口令。',
  'Your login handle (default: the session\'s person)':
    '您的登录名（默认：会话中的人员）',
  'Your passphrase on this terminal from FILE, or - for standard input':
    '从 FILE 读取您在本终端上的口令，- 表示标准输入',
  'With TOTP enrolled: the current code from FILE or -':
    '已登记 TOTP 时：从 FILE 或 - 读取当前动态码',
  'The new device id (see gmv device list)':
    '新设备编号（见 gmv device list）',
  // gmv device approve
  'Approve a terminal by the enrollment code its owner reads out (security officers, in a session).':
    '按终端所有者念出的登记代码批准该终端（安全管理员，在会话中）。',
  'Issues the device certificate from the vault\'s device CA and certifies the terminal\'s signing key with the organisation key.':
    '由保险库的设备 CA 签发设备证书，并用组织密钥认证该终端的签名密钥。',
  'Enrollment code (XXXXX-XXXXX)':
    '登记代码（XXXXX-XXXXX）',
  // gmv device cert
  'Write a device\'s X.509 certificate (PEM).':
    '写出设备的 X.509 证书（PEM）。',
  'File to write (never overwritten)':
    '要写入的文件（绝不覆盖）',
  'Device id':
    '设备编号',
  // gmv device enroll
  'On your own terminal: create this terminal\'s device key and ask for approval; prints the enrollment code to read to a security officer.':
    '在您自己的终端上：创建本终端的设备密钥并申请批准；输出登记代码，请念给安全管理员。',
  'The first enrollment also creates your personal key pair, protected by your passphrase combined with this terminal\'s device key. On a later terminal no passphrase is asked: after approval, run `gmv device add-key ID` where you can unlock, then log in here.':
    '第一次登记时还会创建您的个人密钥对，由您的口令结合本终端的设备密钥保护。在之后的终端上登记不询问口令：批准后，在您能解锁的终端上运行 `gmv device add-key ID`，然后在此登录。',
  'Show this terminal\'s pending enrollment code again (with --login, that person\'s, on a terminal people share)':
    '再次显示本终端待批准的登记代码（多人共用终端时，加 --login 显示该人的）',
  'Your new passphrase from FILE, or - for standard input (default: hidden prompt)':
    '从 FILE 读取您的新口令，- 表示标准输入（默认：隐藏输入提示）',
  'A name for this terminal (e.g. "office PC 3F-12")':
    '本终端的名称（如“办公室电脑 3F-12”）',
  // gmv device forget
  'On this terminal: remove its device key for this vault after the device was revoked or rejected, so it can enroll again.':
    '在本终端上：设备被吊销或登记被驳回后，删除本终端用于此保险库的设备密钥，以便重新登记。',
  'An authorized terminal is refused (a security officer revokes it first). A pending enrollment is withdrawn, in the audit log.':
    '已授权的终端会被拒绝（须先由安全管理员吊销）。待批准的登记将被撤回，并记入审计日志。',
  // gmv device list
  'List terminals: owner, status, certificate, who approved or revoked them.':
    '列出终端：所有者、状态、证书、由谁批准或吊销。',
  'Only this person\'s devices':
    '仅限此人的设备',
  // gmv device reject
  'Turn down a pending enrollment by its code (security officers, in a session).':
    '按登记代码驳回待批准的登记（安全管理员，在会话中）。',
  'The terminal is never approved with that code; its owner can start over with gmv device forget, then gmv device enroll.':
    '该代码的终端永远不会被批准；其所有者可先运行 gmv device forget，再运行 gmv device enroll 重新开始。',
  // gmv device revoke
  'Revoke a terminal: it can no longer unlock anything, and a new CRL lists its certificate (security officers).':
    '吊销终端：它将无法再解锁任何内容，新的证书吊销列表（CRL）会列入其证书（安全管理员）。',
  'Why (recorded in the audit log)':
    '原因（记入审计日志）',
  'Device id (see gmv device list)':
    '设备编号（见 gmv device list）',
  // gmv impersonation list
  'List counterfeit-account cases (measures art. 29): where each counterfeit is, who found it when, its checklist, its deadline and overdue steps.':
    '列出仿冒账号案件（办法第二十九条）：每个仿冒账号在哪里、由谁何时发现、其检查单、期限和逾期步骤。',
  'Only cases whose checklist is not yet complete (signed and countersigned)':
    '仅限检查单尚未完成（签署并复核签署）的案件',
  // gmv impersonation report
  'Record a suspected counterfeit of one of the unit\'s accounts (measures art. 29) and open its case checklist: verify, ask the CAC and police for help, ask the platform to shut it down, report upward.':
    '登记疑似仿冒本单位某个账号的情况（办法第二十九条）并开启案件检查单：核实、请网信部门和公安机关协助、要求平台关停、向上级报告。',
  'Anyone running the unit\'s accounts may report, in a session (auditors may not). You are recorded as the finder, the vault\'s clock as the time. Evidence files (screenshots, a saved page) are not stored: their SHA-256, size and name are. In the same transaction the pack\'s impersonation-case checklist is opened with its deadline in working days; a security officer records its steps (gmv checklist step), and the case closes when the run is signed and countersigned.':
    '运营本单位账号的任何人都可以在会话中报告（审计员不可）。您被记为发现人，保险库的时钟为发现时间。证据文件（截图、保存的网页）不予存储，只存储其 SHA-256、大小和名称。同一事务中开启策略包的仿冒案件检查单，期限按工作日计算；由安全管理员记录其步骤（gmv checklist step），检查单签署并复核签署后案件即结案。',
  'Platform the counterfeit is on (weibo, wechat-oa, douyin, …)':
    '仿冒账号所在的平台（weibo, wechat-oa, douyin, …）',
  'Web address of the counterfeit (http or https)':
    '仿冒账号的网址（http 或 https）',
  'Name or handle the counterfeit uses on the platform':
    '仿冒账号在平台上使用的名称或账号名',
  'Slug of the unit\'s account it imitates':
    '被仿冒的本单位账号的标识',
  'How it was found, what it posts':
    '如何发现的，发布了什么内容',
  // gmv impersonation show
  'Show one counterfeit-account case: the counterfeit, who found it when, its evidence hashes, and its checklist steps — done, due or overdue — until the run that closes it is signed.':
    '查看一个仿冒账号案件：仿冒账号、由谁何时发现、证据哈希，以及检查单各步骤（已完成、待办或逾期），直至结案的检查单签署为止。',
  'Case number (IMP-2026-0001)':
    '案件编号（IMP-2026-0001）',
  // gmv mfa enroll
  'Enroll a TOTP authenticator as your second login factor (in your session).':
    '登记 TOTP 验证器作为您的第二登录因素（在您的会话中）。',
  'Shows an otpauth:// URI and a QR code for your authenticator app. On a terminal it then asks for a code to confirm; in scripts run it again with --confirm --totp-file FILE|-.':
    '显示供验证器应用使用的 otpauth:// URI 和二维码。在终端上随后会要求输入动态码以确认；在脚本中请再次运行并加 --confirm --totp-file FILE|-。',
  'Confirm the pending enrollment with a current code':
    '用当前动态码确认待完成的登记',
  'The code from FILE, or - for standard input':
    '从 FILE 读取动态码，- 表示标准输入',
  // gmv nda record
  'Record a signed confidentiality agreement (security officers, in a session): contractor staff need one in force before any access (measures art. 7).':
    '登记已签署的保密协议（安全管理员，在会话中）：外包服务人员须有有效的保密协议才能获得任何访问权限（办法第七条）。',
  'The signing date is a China date, not after today; it counts for contractors.nda_validity_months of the pack. Keep the signed agreement itself on file: gmv records its SHA-256, size and name.':
    '签署日期为中国日期，不得晚于今天；有效期按策略包的 contractors.nda_validity_months 计算。请将签署的协议原件存档：gmv 记录其 SHA-256、大小和名称。',
  'Day the agreement was signed (YYYY-MM-DD, China time)':
    '协议签署日期（YYYY-MM-DD，中国时间）',
  'The signed agreement, or another evidence file (repeat for several)':
    '已签署的协议或其他证据文件（可重复指定多个）',
  // gmv passphrase change
  'Change your passphrase on this terminal (the current one is asked again).':
    '修改您在本终端上的口令（会再次询问当前口令）。',
  'Current passphrase from FILE, or - for standard input':
    '从 FILE 读取当前口令，- 表示标准输入',
  'New passphrase from FILE, or - for standard input':
    '从 FILE 读取新口令，- 表示标准输入',
  // gmv policy apply
  'Switch the vault to another policy pack, or lay an override file over its pack (security officer).':
    '将保险库切换到另一个策略包，或在其策略包上叠加覆盖文件（安全管理员）。',
  'The file is checked first (as gmv policy validate does, and an override together with the pack it lays over); a bad file is refused (exit 11) and the vault keeps its policy. The file\'s SHA-256 and text are recorded in the vault with a policy.apply audit entry; every command after it enforces the new values. Applying a pack drops the override.':
    '先检查该文件（与 gmv policy validate 相同；覆盖文件连同其所叠加的策略包一起检查）；有问题的文件会被拒绝（退出码 11），保险库保持原策略。文件的 SHA-256 和文本连同一条 policy.apply 审计记录存入保险库；此后的每个命令都执行新的值。应用策略包会撤销覆盖文件。',
  'Security officer who applies it (without a session)':
    '应用策略的安全管理员（无会话时）',
  'Policy pack or override file (YAML)':
    '策略包或覆盖文件（YAML）',
  // gmv policy show
  'Show the policy this vault enforces: each rule\'s value, where it came from (pack or override) and its citation.':
    '显示本保险库执行的策略：每条规则的取值、来源（策略包或覆盖文件）及其依据。',
  // gmv policy validate
  'Check a policy pack or override file; every problem is reported with its line and column.':
    '检查策略包或覆盖文件；每个问题都给出所在的行和列。',
  'Checks types, unknown keys, anchored and safe patterns, references to courses, roles and checklist templates, cycles between templates, and the floors no pack may go below (audit retention, the argon2id cost, lock-out). Needs no vault. Exit 11 when the file has problems.':
    '检查类型、未知键、模式是否锚定且安全、对课程、角色和检查单模板的引用、模板之间的循环，以及任何策略包都不得低于的下限（审计留存期、argon2id 代价、锁定）。不需要保险库。文件有问题时以退出码 11 退出。',
  // gmv report verify
  'Check that a report came from this vault unchanged: its signature (FILE.sig) by a person key the organisation certified, and its SHA-256 in the audit log.':
    '检查报告是否出自本保险库且未被改动：其签名（FILE.sig）由组织认证的个人密钥签署，且其 SHA-256 在审计日志中。',
  'The report; its signature is FILE.sig':
    '报告；其签名为 FILE.sig',
  // gmv rotate abort
  'Abandon a rotation in progress (the platform password was not changed).':
    '放弃进行中的轮换（平台密码未修改）。',
  // gmv rotate confirm
  'Confirm that the generated password is now set on the platform: it becomes the new version.':
    '确认生成的密码已在平台上设置：它成为新版本。',
  'A new TOTP seed or otpauth URI from FILE or - (if the platform issued one)':
    '从 FILE 或 - 读取新的 TOTP 种子或 otpauth URI（如平台重新签发）',
  'New recovery codes from FILE or - (one per line)':
    '从 FILE 或 - 读取新的恢复码（每行一个）',
  // gmv rotate due
  'The rotation queue: accounts whose password must change, why, and by when.':
    '轮换队列：哪些账号的密码必须修改、原因和期限。',
  'A departure lists the fields still to rotate (password, TOTP seed, recovery codes) and whose departure it was; a field counts as rotated once a new value was set or confirmed after it.':
    '离职条目列出仍待轮换的字段（密码、TOTP 种子、恢复码）以及是谁离职；某字段在离职后设置或确认了新值即视为已轮换。',
  'Only items queued for this reason':
    '仅限因此原因进入队列的条目',
  // gmv rotate start
  'Generate a new password meeting the platform\'s rules and show it once; change it on the platform, then gmv rotate confirm.':
    '按平台规则生成新密码并只显示一次；在平台上修改后，运行 gmv rotate confirm。',
  'Why':
    '原因',
  // gmv secret set
  'Store a credential field as a new version, encrypted for the account\'s current grantees.':
    '将凭据字段存储为新版本，为该账号当前的被授权人加密。',
  'Values come from a file or standard input, never the command line; at a terminal, without --from-file (or with -), a hidden prompt asks twice. totp accepts a base32 seed or an otpauth:// URI; recovery takes one code per line (at the prompt: on one line, separated by spaces).':
    '取值来自文件或标准输入，绝不来自命令行；在终端上不带 --from-file（或使用 -）时，隐藏输入提示会询问两次。totp 接受 base32 种子或 otpauth:// URI；recovery 每行一个恢复码（在提示中：写在一行，用空格分隔）。',
  'Which field':
    '哪个字段',
  'Read the value from FILE, or - for standard input (at a terminal: a hidden prompt)':
    '从 FILE 读取取值，- 表示标准输入（在终端上：隐藏输入提示）',
  // gmv secret show
  'Reveal a credential you are granted (in your session, on an authorized terminal). Audited.':
    '查看您被授权的凭据（在您的会话中，在已授权终端上）。记入审计。',
  'On a terminal the value stays hidden unless --reveal (or --clip); to a pipe or with --json it is printed as asked.':
    '在终端上，除非使用 --reveal（或 --clip），取值保持隐藏；输出到管道或使用 --json 时按要求输出。',
  'In a script: to a pipe the value is printed alone':
    '在脚本中：输出到管道时只输出取值本身',
  'Which field (default: password, with the login if stored); totp gives the current code (otp: the same, older name)':
    '哪个字段（默认：password，如已存储登录名则一并显示）；totp 给出当前动态码（otp：作用相同，旧名称）',
  'Print the value on a terminal (it is hidden there otherwise)':
    '在终端上显示取值（否则在终端上隐藏）',
  'Copy to the clipboard instead of printing; cleared after the policy\'s seconds':
    '复制到剪贴板而不输出；在策略规定的秒数后清除',
  // gmv staff add
  'Add a person (security officers only). They start as onboarding until their first device is approved.':
    '添加人员（仅限安全管理员）。其状态为入职中，直到其第一台设备被批准。',
  'Unique login handle (lowercase, e.g. zhang.wei)':
    '唯一登录名（小写，如 zhang.wei）',
  'Full name':
    '姓名',
  'Unit (department) the person works for':
    '该人员所在的单位（科室）',
  'Comma-separated: security-officer, account-admin, editor, reviewer, tech-support, auditor, leader':
    '逗号分隔：security-officer, account-admin, editor, reviewer, tech-support, auditor, leader',
  'Contractor agency employing the person (omit for in-house staff; Art. 7)':
    '雇用该人员的外包服务单位（本单位人员省略；第七条）',
  // gmv staff exposure
  'What a person could ever decrypt: every credential version, rotation, seed and key, how, and until when.':
    '某人曾经能解密的一切：每个凭据版本、轮换、种子和密钥，通过何种途径，直到何时。',
  // gmv staff list
  'List people with their unit, roles, status and devices.':
    '列出人员及其单位、角色、状态和设备。',
  'Only people holding this role':
    '仅限持有此角色的人员',
  'Only this status':
    '仅限此状态',
  // gmv staff offboard
  'Offboard a departing person (security officers, in a session): revoke everything, queue what they could read for rotation, open the offboarding checklist (measures art. 25).':
    '为离职人员办理离岗（安全管理员，在会话中）：撤销一切，将其能读取的内容列入轮换队列，开启离岗检查单（办法第二十五条）。',
  'In one transaction: every grant ends, every terminal is revoked on a new CRL, their keys are retired (their session is refused at its next command, and a checkpoint their key signs afterwards fails audit verify). Every account they could ever decrypt — through grants removed long ago and through the organisation key if they were an officer — is queued for rotation with reason departure, the fields to rotate and the pack\'s deadline in working days. Their platform-side bindings are listed for unbinding on the platform. A security officer held the organisation key and the device CA: both are replaced in the same transaction (as gmv org rekey does). The offboarding record is signed by your key. gmv staff show HANDLE then lists what is still open.':
    '在一个事务中：所有授权终止，所有终端在新的证书吊销列表中吊销，其密钥停用（其会话在下一个命令时被拒绝，此后由其密钥签名的检查点无法通过 gmv audit verify）。其曾经能解密的每个账号（包括通过早已取消的授权，以及如曾任安全管理员则通过组织密钥）都以离职为原因列入轮换队列，附待轮换字段和策略包规定的工作日期限。其平台侧绑定被列出，以便在平台上解绑。安全管理员持有组织密钥和终端证书颁发机构：二者在同一事务中更换（与 gmv org rekey 相同）。离岗记录由您的密钥签署。之后 gmv staff show HANDLE 列出仍未办结的事项。',
  'Day the departure took effect (YYYY-MM-DD, China time; default today; not after today)':
    '离职生效日期（YYYY-MM-DD，中国时间；默认今天；不得晚于今天）',
  'Login handle of the person leaving':
    '离职人员的登录名',
  // gmv staff onboard
  'Onboard a person (security officers, in a session): person, unit, employer, roles, NDA and training in one signed record, then how their terminal enrolls.':
    '办理人员入职（安全管理员，在会话中）：人员、单位、用人单位、角色、保密协议和培训记入一份签名记录，然后说明其终端如何登记。',
  'At a terminal without flags it asks, step by step; scripts give the same through flags. Training and NDA dates are China dates, not after today; whatever the roles need and is not recorded is listed, and no grant is possible until it is (measures arts. 7, 25).':
    '在终端上不带选项运行时逐步询问；脚本可通过选项提供相同信息。培训和保密协议日期为中国日期，不得晚于今天；角色所需但未登记的事项会被列出，登记之前不能授予任何账号（办法第七条、第二十五条）。',
  'A completed course: COURSE=YYYY-MM-DD (repeat for several)':
    '已完成的课程：COURSE=YYYY-MM-DD（可重复指定多个）',
  'Day the confidentiality agreement was signed (YYYY-MM-DD)':
    '保密协议签署日期（YYYY-MM-DD）',
  'An evidence file for these records (repeat for several)':
    '这些记录的证据文件（可重复指定多个）',
  // gmv org rekey
  'Replace the organisation key and the device CA, so keys a former officer held open nothing written afterwards (security officers).':
    '更换组织密钥和终端证书颁发机构，使前任安全管理员持有的密钥无法打开此后写入的任何内容（安全管理员）。',
  'One change: a new organisation key and device CA wrapped for the security officers in office and the recovery keys; every escrow re-wrapped under the new key; every person and terminal key certified again and every active terminal\'s certificate re-issued; a transition statement signed by the old and new organisation keys and the old CA, which auditors pinned to the old key and terminals pinned to the old CA follow. Offboarding or demoting a security officer runs it by itself.':
    '一次变更：新的组织密钥和终端证书颁发机构为在任安全管理员和恢复密钥封装；所有托管在新密钥下重新封装；所有人员密钥和终端密钥重新认证，所有在用终端的证书重新签发；一份交接声明由新旧组织密钥和旧证书颁发机构签名，固定旧密钥的审计员和固定旧证书颁发机构的终端沿其验证。为安全管理员办理离岗或撤销其角色时自动执行。',
  'Why (recorded in the audit log and the transition statement)':
    '原因（记入审计日志和交接声明）',
  'Security officer who seals (without a session)': '进行签封的安全管理员（无会话时）',
  // gmv vault seal-state
  'Seal the roles, grants and policy a gmv before schema 16 left unsealed, and certify person keys from before schema 4, after verifying them against the signed audit log (security officers).':
    '在对照已签名审计日志验证之后，签封 schema 16 之前的 gmv 留下的未签封角色、授权和策略，并认证 schema 4 之前的人员密钥（安全管理员）。',
  'The rows that decide access (a person\'s roles and status, each grant, the policy in force) count only with a seal by the organisation key, and a person key only with the organisation\'s certification. Rows written by an older gmv have none, and every door refuses them (exit 6) until this runs once after the upgrade. It first verifies the whole audit log, including that the tables agree with it, and seals only then; rows that already carry a seal are left as they are. Since no door opens before, the officer unlocks here with --login and --passphrase-file.':
    '决定访问权限的数据（人员的角色和状态、每项授权、当前生效的策略）只有带组织密钥的签封才有效，人员密钥只有带组织的认证才有效。旧版 gmv 写入的数据没有签封，在升级后运行一次本命令之前，所有入口都会拒绝它们（退出码 6）。本命令先验证整个审计日志（包括各表与日志一致），然后才签封；已带签封的数据保持不变。由于此前任何入口都不会放行，安全员在此用 --login 和 --passphrase-file 解锁。',
  // gmv vault reseal
  'Re-seal every account whose newest credential was sealed whole, field by field, so each grantee holds only the fields their grant opens (security officers).':
    '将最新凭据仍为整体封装的每个账号按字段重新封装，使每位被授权人只持有其授权可开启的字段（安全管理员）。',
  'Versions written before fields were sealed one by one hold every field under one key: an otp-only grantee\'s key opens the password too. This writes, through the organisation escrow, a new version of each such account with the same content, each field under its own key, wrapped per grant (otp: the TOTP seed alone). Earlier versions and their wraps stay on record; used recovery codes stay used. A rotation does the same for one account.':
    '按字段分别封装之前写入的版本将所有字段置于同一把密钥之下：仅有 otp 授权的人员的密钥也能打开口令。本命令通过组织托管为每个此类账号写入内容相同的新版本，每个字段使用各自的密钥，并按授权封装（otp：仅 TOTP 种子）。较早的版本及其封装保留在记录中；已用的恢复码仍为已用。轮换对单个账号有同样效果。',
  // gmv staff set-roles
  'Replace a person\'s roles (security officers only). Demoting a security officer replaces the organisation key and device CA they held (gmv org rekey).':
    '替换某人的角色（仅限安全管理员）。撤销某人的安全管理员角色时，其持有的组织密钥和终端证书颁发机构一并更换（gmv org rekey）。',
  'Comma-separated role ids':
    '逗号分隔的角色编号',
  // gmv staff show
  'Show one person: unit, employer, roles, status, devices, second factor.':
    '查看一个人员：单位、用人单位、角色、状态、设备、第二因素。',
  // gmv staff unlock
  'Lift a person\'s lock-out after too many failed logins (security officers only).':
    '解除因登录失败次数过多而对某人的锁定（仅限安全管理员）。',
  // gmv training record
  'Record that a person completed a course of the policy pack (security officers, in a session): signed by your key and audited.':
    '登记某人已完成策略包中的某门课程（安全管理员，在会话中）：由您的密钥签名并记入审计。',
  'The completion date is a China date, not after today; the course counts for its validity in months from the pack (gmv policy show). Several courses completed the same day may follow the first. The evidence file (a certificate, a sign-in sheet) is not stored: its SHA-256, size and name are.':
    '完成日期为中国日期，不得晚于今天；课程有效期按策略包规定的月数计算（gmv policy show）。同一天完成的多门课程可跟在第一门之后。证据文件（证书、签到表）不予存储，只存储其 SHA-256、大小和名称。',
  'Day the course was completed (YYYY-MM-DD, China time)':
    '课程完成日期（YYYY-MM-DD，中国时间）',
  'Course id from the policy pack (more may follow)':
    '策略包中的课程编号（可跟多个）',
  // gmv training status
  'Who lacks a course or a confidentiality agreement their roles need, and whose lapse soon (security officers).':
    '谁缺少其角色所需的课程或保密协议，谁的即将到期（安全管理员）。',
  'A person listed as missing or expired is refused every account until it is recorded (measures arts. 7, 25). Departed staff are not listed.':
    '被列为缺失或已过期的人员在登记之前，访问任何账号都会被拒绝（办法第七条、第二十五条）。已离职人员不列出。',
  'Also list what lapses within this many days':
    '同时列出在这么多天内到期的事项',
  // gmv unit add
  'Add a unit (department) of the organisation (security officers only).':
    '添加组织的单位（科室）（仅限安全管理员）。',
  'Unit name':
    '单位名称',
  // gmv unit list
  'List units and how many current staff each has.':
    '列出各单位及其在职人数。',
  // gmv recovery list
  'Accounts with stored recovery codes and how many are left (warns when low). No codes are printed.':
    '已存储恢复码的账号及剩余数量（不足时发出警告）。不输出任何恢复码。',
  // gmv recovery use
  'Reveal the next unused recovery code of an account and mark it used. Audited.':
    '查看某账号下一个未使用的恢复码并将其标记为已用。记入审计。',
  // gmv audit checkpoint export
  'Sign the current audit tree head with the organisation key and export it for auditors.':
    '用组织密钥签署当前审计树头，并导出供审计使用。',
  'Writes checkpoint.json, its detached binary signature checkpoint.json.sig and the organisation public key org-key.asc into DIR, so `gpg --verify` needs nothing else. A security officer unlocks the organisation key: in their session, or with --login and --passphrase-file.':
    '将 checkpoint.json、其分离的二进制签名 checkpoint.json.sig 和组织公钥 org-key.asc 写入 DIR，使 `gpg --verify` 无需其他任何文件。由安全管理员解锁组织密钥：在其会话中，或使用 --login 和 --passphrase-file。',
  'Security officer who signs (without a session)':
    '签署的安全管理员（无会话时）',
  // gmv device ca export
  'Write the vault\'s device CA certificate (PEM), e.g. for openssl verify -CAfile.':
    '写出保险库的设备 CA 证书（PEM），例如供 openssl verify -CAfile 使用。',
  // gmv device crl export
  'Write the device certificate revocation list (PEM), e.g. for openssl verify -CRLfile -crl_check.':
    '写出设备证书吊销列表（PEM），例如供 openssl verify -CRLfile -crl_check 使用。',
  'When the latest CRL has passed its next-update time and a security officer is logged in, a fresh one is issued first.':
    '最新的证书吊销列表已过下次更新时间且有安全管理员登录时，先签发新的列表。',
  // gmv org key export
  'Print the organisation\'s OpenPGP public key (armored), for auditors.':
    '输出组织的 OpenPGP 公钥（ASCII 封装），供审计使用。',
};

/** An English help text in `lang`; English, and a text without a translation, as given. */
export function helpText(english: string | undefined, lang: Lang): string | undefined {
  if (english === undefined || lang === 'en') return english;
  return Object.hasOwn(HELP_ZH, english) ? HELP_ZH[english] : english;
}

/** The description line of an example written as oclif's "description\ncommand…" (none when it is only commands). */
export function exampleDescription(example: string): string | undefined {
  const [first, ...commands] = example.split('\n').filter(Boolean);
  return commands.length > 0 && first !== undefined && !/\bgmv\s/.test(first) ? first : undefined;
}
