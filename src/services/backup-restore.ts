/**
 * Reading a backup back: `gmv backup verify` and `gmv backup restore`. Both decrypt the file (with a
 * recovery key, or the session key of an officer it was made for), parse its SQL strictly (never
 * executing it), load it into a fresh SQLite file beside the target, check the manifest (SHA-256,
 * row counts, audit tree) and its signature by a key the backup's organisation key certified, and
 * run the whole audit verification on the result. Only then does a restore put it in place: the
 * file renamed over the target, or its rows copied into PostgreSQL in one transaction. A failure
 * at any point leaves nothing behind.
 */
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { GmvError, type ErrorParams } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { DumpParser, DumpSyntaxError, parseManifest, type BackupManifest, type DumpValue } from '../domain/backup-dump.js';
import { fingerprintOf, readPinnedKey, readPrivate, sessionKeyOf } from '../crypto/pgp.js';
import { DecryptFailure, DecryptWorkerFailed, decryptInWorker, type SessionKey } from './backup-decrypt.js';
import { loadKey, verifyWith, type VerifyKey } from '../audit/signatures.js';
import { deviceRecordText } from '../audit/device-record.js';
import { loadTree } from '../audit/log.js';
import { trustedOrg } from '../audit/tail.js';
import { connectPostgres, openSqliteDatabase, removeSqliteFiles } from '../store/driver.js';
import { applyMigrations, redactUrl, refreshEstimates, type StoreTarget } from '../store/store.js';
import { SCHEMA_VERSION } from '../store/schema-version.js';
import { dropTables, identityTables, insertRows, resetIdentities, tableRows, tableShapes } from '../store/snapshot.js';
import { storedRoles } from '../store/people.js';
import type { DB } from '../store/schema.js';
import { readSeen, seenFilePath } from '../local/seen-checkpoint.js';
import { readDeviceKey } from '../local/device-file.js';
import { commitChange, openVault } from './vault.js';
import type { LocalPaths } from '../local/paths.js';
import { verifyAuditAt, type VerifyReport } from './audit-verify.js';
import type { KeyHolder } from './keys.js';
import { anyVerifies, judgedAt, signerKeys } from './training.js';

export interface BackupKeys {
  /** An armored recovery key (gmv init --recovery-key-out). */
  recoveryKey?: string;
  /** The officer in a session (or unlocked here), when the backup was encrypted to them. */
  holder?: KeyHolder | null;
  /** An organisation key the caller pinned (armored): the backup's must be the same. */
  orgKey?: string;
}

export interface CheckedBackup {
  file: string;
  manifest: BackupManifest;
  /** Who opened it: 'recovery key F…' or the officer's login. */
  openedWith: string;
  /** `pinned`: the --org-key given, as its fingerprint (the backup's key, or one its signed re-keys hand over from). */
  orgKey: { fingerprint: string; pinned: string | null };
  audit: VerifyReport;
}

/** The refusal of `file`: `detail` is a catalogue key (detail.backup*, detail.dump*), filled with `params`. */
function invalid(file: string, detail: MessageKey, params: ErrorParams = {}): GmvError {
  return new GmvError('BACKUP_INVALID', { ...params, path: file, detail });
}

/** The decrypted plaintext of `file`, as a stream that fails at its end when the file was altered; `stop` ends its worker; `pin`: the --org-key's fingerprint. */
async function decrypted(file: string, keys: BackupKeys): Promise<{ stream: AsyncIterable<Uint8Array>; stop: () => void; openedWith: string; pin: string | null }> {
  const kind = statSync(file, { throwIfNoEntry: false });
  if (!kind) throw new GmvError('FILE_NOT_FOUND', { path: file });
  // A folder, device or FIFO is a wrong path, not an altered backup; an empty file is one cut short.
  if (!kind.isFile()) throw new GmvError('INVALID_INPUT', { what: file, detail: 'detail.notAFile' });
  if (kind.size === 0) throw invalid(file, 'detail.backupEmpty');
  // Opened here first: a file gmv may not read is FILE_UNREADABLE, not "not an OpenPGP message".
  try {
    closeSync(openSync(file, 'r'));
  } catch (error) {
    throw new GmvError('FILE_UNREADABLE', { path: file, detail: (error as NodeJS.ErrnoException).code ?? 'read error' });
  }
  // A pin that is no public key is refused before the backup is read, not after.
  const pinned = keys.orgKey === undefined ? null : await readPinnedKey(keys.orgKey);
  if (pinned && 'problem' in pinned) throw new GmvError('INVALID_INPUT', { what: '--org-key', detail: pinned.problem });
  let openedWith = '';
  const keyFor = async (packets: Uint8Array): Promise<SessionKey> => {
    let sessionKey: SessionKey | null;
    if (keys.recoveryKey !== undefined) {
      let key;
      try {
        key = await readPrivate(keys.recoveryKey);
      } catch {
        throw new GmvError('RECOVERY_KEY_INVALID', {});
      }
      openedWith = `recovery key ${fingerprintOf(key)}`;
      sessionKey = await sessionKeyOf(packets, key);
    } else if (keys.holder?.sessionKey) {
      openedWith = keys.holder.login;
      sessionKey = await keys.holder.sessionKey(packets);
    } else {
      throw new GmvError('SESSION_REQUIRED', {});
    }
    if (!sessionKey) throw new GmvError('BACKUP_NOT_RECIPIENT', { path: file, who: openedWith });
    return sessionKey;
  };
  try {
    const { stream, stop } = await decryptInWorker(file, keyFor);
    return { stream, stop, openedWith, pin: pinned === null ? null : fingerprintOf(pinned.key) };
  } catch (error) {
    if (error instanceof DecryptFailure) throw invalid(file, error.stage === 'read' ? 'detail.backupNotOpenpgp' : 'detail.backupNoDecrypt');
    throw error;
  }
}

/**
 * Decrypt and load `file` into a new SQLite file at `scratch`, checking everything the backup
 * claims; brings the schema to this gmv's version. Throws (and removes `scratch`) on any failure.
 */
async function loadChecked(file: string, keys: BackupKeys, scratch: string): Promise<Omit<CheckedBackup, 'audit'>> {
  const { stream, stop, openedWith, pin } = await decrypted(file, keys);
  let database;
  try {
    database = await openSqliteDatabase(scratch, 'create');
  } catch (error) {
    stop();
    throw error;
  }
  // The scratch file is removed unless every check passes, and nothing renames it into place before
  // it is synced (below): so it loads without a journal on disk or syncs, in a cache that holds the
  // load, and its foreign keys are checked once at the end rather than at every row. The journal is
  // kept in memory (journal_mode = OFF is refused on a connection in defensive mode, and left the file
  // in WAL, where the commit wrote every page twice): the file is empty when the load's transaction
  // begins, so there is next to nothing to journal.
  database.pragma('journal_mode = MEMORY');
  database.pragma('synchronous = OFF');
  database.pragma('cache_size = -65536');
  database.pragma('foreign_keys = OFF');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
  try {
    const result = await db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const loaded = await loadInto(conn, database, file, stream, pin, openedWith);
        const dangling = database.pragma('foreign_key_check') as { table: string; parent: string }[];
        if (dangling.length > 0) throw invalid(file, 'detail.backupDangling', { table: dangling[0]!.table, parent: dangling[0]!.parent });
        await sql`commit`.execute(conn);
        return loaded;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    await db.destroy();
    const fd = openSync(scratch, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return result;
  } catch (error) {
    await db.destroy().catch(() => undefined);
    removeSqliteFiles(scratch);
    throw error;
  } finally {
    stop();
  }
}

const ROWS_PER_INSERT = 64;

async function loadInto(conn: Kysely<DB>, database: import('better-sqlite3').Database, file: string, stream: AsyncIterable<Uint8Array>, pin: string | null, openedWith: string): Promise<Omit<CheckedBackup, 'audit'>> {
  const tx = conn as unknown as Kysely<any>;
  const parser = new DumpParser();
  const counts: Record<string, number> = {};
  let header: { format: string; vault: string; schema_version: number; dialect: string; created_at: string; created_by: string } | null = null;
  let manifestText: string | null = null;
  let signature: string | null = null;
  let targetColumns = new Map<string, Set<string>>();
  // The schema's own indexes are built once the rows are in (a sort each) rather than kept up
  // row by row; a unique one the rows break is the backup's fault.
  let indexes: SavedIndex[] = [];
  // Rows go in through prepared statements on the scratch file's own connection (inside the same
  // transaction): the query builder's per-batch compilation costs more than the inserts.
  // Several rows per statement: better-sqlite3's cost per run() (binding, stepping, resetting) is
  // most of an insert's, and a statement of 64 rows pays it once for them all.
  const inserts = new Map<string, import('better-sqlite3').Statement>();
  const insertFor = (table: string, columns: string[], rows: number) => {
    const key = `${rows}:${table}(${columns.join(',')})`;
    let statement = inserts.get(key);
    if (!statement) {
      const tuple = `(${columns.map(() => '?').join(',')})`;
      statement = database.prepare(`insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${Array.from({ length: rows }, () => tuple).join(',')}`);
      inserts.set(key, statement);
    }
    return statement;
  };
  const insertRowsOf = (table: string, columns: string[], rows: DumpValue[][]) => {
    // SQLite binds at most 32,766 values to a statement.
    const group = Math.max(1, Math.min(ROWS_PER_INSERT, Math.floor(32_766 / columns.length)));
    let i = 0;
    if (rows.length >= group) {
      const statement = insertFor(table, columns, group);
      const values: DumpValue[] = new Array(group * columns.length);
      for (; i + group <= rows.length; i += group) {
        let at = 0;
        for (let k = i; k < i + group; k++) for (const value of rows[k]!) values[at++] = value;
        statement.run(values);
      }
    }
    if (i < rows.length) {
      const statement = insertFor(table, columns, 1);
      for (; i < rows.length; i++) statement.run(rows[i]!);
    }
  };
  const handle = async (events: ReturnType<DumpParser['push']>) => {
    for (const event of events) {
      if (event.kind === 'header') {
        try {
          header = JSON.parse(event.json);
        } catch {
          throw invalid(file, 'detail.backupHeaderParse');
        }
        const h = header!;
        if (h.format !== 'gmv-backup/1' || typeof h.vault !== 'string') throw invalid(file, 'detail.backupHeaderForm');
        if (!Number.isInteger(h.schema_version) || h.schema_version < 1) throw invalid(file, 'detail.backupSchemaVersion');
        if (h.schema_version > SCHEMA_VERSION) throw new GmvError('SCHEMA_TOO_NEW', { found: h.schema_version, known: SCHEMA_VERSION });
        await applyMigrations(tx, 'sqlite', null, h.schema_version, file);
        targetColumns = new Map((await tableShapes(tx, 'sqlite')).map((s) => [s.table, new Set(s.columns.map((c) => c.name))]));
        indexes = dropIndexes(database);
      } else if (event.kind === 'table') {
        const known = targetColumns.get(event.table);
        if (!known) throw invalid(file, 'detail.backupUnknownTable', { table: event.table });
        for (const c of event.columns) if (!known.has(c.name)) throw invalid(file, 'detail.backupUnknownColumn', { table: event.table, column: c.name });
        counts[event.table] = 0;
      } else if (event.kind === 'rows') {
        counts[event.table] = (counts[event.table] ?? 0) + event.rows.length;
        // The schema's own record is written by the migrations above, not copied.
        if (event.table !== 'gmv_migrations') {
          insertRowsOf(event.table, event.columns, event.rows);
        }
      } else if (event.kind === 'manifest') {
        manifestText = event.json;
      } else {
        signature = event.base64;
      }
    }
  };
  const chunks = stream[Symbol.asyncIterator]();
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) await handle(parser.push(next.value));
    parser.end();
  } catch (error) {
    // The decryption thread's own failure is gmv's, not the backup's: never reported as tampering.
    if (error instanceof DecryptWorkerFailed) throw error;
    // Text that makes no sense is most often an altered file whose integrity check comes at its
    // end (the plaintext streams before it): read on, and report the alteration when it is one.
    if (!(error instanceof GmvError && error.code !== 'BACKUP_INVALID')) {
      try {
        for (let next = await chunks.next(); !next.done; next = await chunks.next());
      } catch (drained) {
        if (drained instanceof DecryptWorkerFailed) throw drained;
        throw invalid(file, 'detail.backupAltered');
      }
    }
    if (error instanceof GmvError) throw error;
    if (error instanceof DumpSyntaxError) throw invalid(file, error.detail, error.params);
    if (error instanceof TypeError && /decode|encoded/i.test(error.message)) throw invalid(file, 'detail.backupNotUtf8');
    // OpenPGP's integrity check fails at the end of a tampered or truncated file.
    const text = error instanceof Error ? error.message : String(error);
    if (/modification|integrity|mdc|unexpected end|truncated|packet|crc|decrypt/i.test(text)) throw invalid(file, 'detail.backupAltered');
    throw invalid(file, 'detail.backupUnloadable', { reason: text });
  }
  rebuildIndexes(database, indexes, file);
  const h = header as unknown as { vault: string; schema_version: number; dialect: string; created_at: string; created_by: string };
  const manifest = manifestText === null ? null : parseManifest(manifestText, h.vault);
  if (!manifest) throw invalid(file, 'detail.backupManifestForm');
  if (manifest.content_sha256 !== parser.contentSha256) throw invalid(file, 'detail.backupContentHash');
  if (manifest.schema_version !== h.schema_version || manifest.created_at !== h.created_at || manifest.dialect !== h.dialect || manifest.created_by !== h.created_by) throw invalid(file, 'detail.backupManifestHeader');
  for (const table of new Set([...Object.keys(manifest.tables), ...Object.keys(counts)])) {
    if (manifest.tables[table] !== counts[table]) throw invalid(file, 'detail.backupTableCount', { table, count: counts[table] ?? 0, claimed: manifest.tables[table] ?? 0 });
  }
  const tree = await loadTree(conn);
  if (tree.size !== manifest.audit.size || tree.root().toString('hex') !== manifest.audit.root) throw invalid(file, 'detail.backupAuditTree');
  const orgKey = await checkSignature(conn, file, manifest, manifestText!, signature, pin);
  await applyMigrations(tx, 'sqlite', h.schema_version, SCHEMA_VERSION, file);
  return { file, manifest, openedWith, orgKey };
}

interface SavedIndex { name: string; table: string; sql: string }

/** Drop the indexes the schema created (not those of its keys and unique columns), returning how to build them again, in their order (so the file's schema reads as before). */
function dropIndexes(database: import('better-sqlite3').Database): SavedIndex[] {
  const saved = database.prepare("select name, tbl_name as \"table\", sql from sqlite_master where type = 'index' and sql is not null order by rowid").all() as SavedIndex[];
  for (const index of saved) database.exec(`drop index "${index.name.replaceAll('"', '""')}"`);
  return saved;
}

function rebuildIndexes(database: import('better-sqlite3').Database, saved: readonly SavedIndex[], file: string): void {
  for (const index of saved) {
    try {
      database.exec(index.sql);
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw invalid(file, 'detail.backupUniqueIndex', { table: index.table, index: index.name });
      throw error;
    }
  }
}

/** The manifest's signature, by a key the backup's organisation key certified, of an officer or an active terminal. */
async function checkSignature(conn: Kysely<DB>, file: string, manifest: BackupManifest, text: string, signature: string | null, pin: string | null): Promise<CheckedBackup['orgKey']> {
  if (!signature || !/^[A-Za-z0-9+/=]+$/.test(signature)) throw invalid(file, 'detail.backupSignatureMissing');
  const signer = manifest.signer;
  if ((await conn.selectFrom('org_keys').select('fingerprint').executeTakeFirst()) === undefined) throw invalid(file, 'detail.backupNoOrgKey');
  // Pinned, the backup's newest organisation key must be the pinned one or one that a chain of
  // re-keys signed both ways hands over to from it, and only the keys of that chain certify: an org
  // key row holding the pinned key beside a key of someone else's vouches for nothing.
  const chain = await trustedOrg(conn, manifest.vault, pin).catch((error: unknown) => {
    if (error instanceof GmvError && error.code === 'AUDIT_TAMPERED') throw invalid(file, 'detail.backupOrgNotPinned', { pinned: pin ?? '' });
    throw error;
  });
  // The signer's person key counts only if the newest organisation key (vouched for above) certified it.
  const { org: all, people } = await signerKeys(conn, manifest.vault, signer.kind === 'person' ? [signer.fingerprint] : []);
  const org = pin === null ? all : await Promise.all([chain.row.public_key, ...chain.formerOrgKeys.map((k) => k.armored)].map((armored) => loadKey(armored)));
  let key: VerifyKey | null;
  if (signer.kind === 'person') {
    const row = await conn.selectFrom('person_keys').innerJoin('people', 'people.id', 'person_keys.person_id')
      .select(['people.login', 'people.roles']).where('person_keys.fingerprint', '=', signer.fingerprint).executeTakeFirst();
    if (!row || row.login !== signer.login) throw invalid(file, 'detail.backupSignerNotPerson', { signer: signer.fingerprint });
    if (!storedRoles(row.roles, row.login).includes('security-officer')) throw invalid(file, 'detail.backupSignerNotOfficer', { login: row.login });
    key = people.get(signer.fingerprint) ?? null;
    if (!key) throw invalid(file, 'detail.backupSignerUncertified', { signer: signer.fingerprint });
  } else {
    const row = await conn.selectFrom('devices').leftJoin('people', 'people.id', 'devices.person_id')
      .select(['devices.id', 'devices.signing_public_key', 'devices.signing_fingerprint', 'devices.certification', 'devices.created_at', 'devices.status', 'people.login'])
      .where('devices.id', '=', signer.device ?? '').executeTakeFirst();
    if (!row || row.signing_fingerprint !== signer.fingerprint) throw invalid(file, 'detail.backupSignerNotTerminal', { signer: signer.fingerprint });
    if (row.status !== 'active') throw invalid(file, 'detail.backupTerminalInactive', { device: row.id });
    const record = Buffer.from(deviceRecordText({ vault: manifest.vault, id: row.id, person: row.login ?? null, signing_fingerprint: row.signing_fingerprint, created_at: row.created_at }), 'utf8');
    if (!await anyVerifies(record, Buffer.from(row.certification, 'base64'), org)) throw invalid(file, 'detail.backupTerminalUncertified', { device: row.id });
    key = await loadKey(row.signing_public_key);
  }
  if (key.fingerprint !== signer.fingerprint || !await verifyWith(Buffer.from(text, 'utf8'), Buffer.from(signature, 'base64'), key, judgedAt())) {
    throw invalid(file, 'detail.backupSignatureBad', { signer: signer.fingerprint });
  }
  return { fingerprint: chain.row.fingerprint, pinned: pin };
}

/** The audit verification of a loaded file; its failure is the backup's. */
async function verifyLoaded(file: string, path: string): Promise<VerifyReport> {
  try {
    return await verifyAuditAt({ kind: 'sqlite', path }, {});
  } catch (error) {
    if (error instanceof GmvError) throw invalid(file, 'detail.backupAuditFails', { code: error.code });
    throw error;
  }
}

/** `gmv backup verify FILE`: everything checked, nothing kept. */
export async function verifyBackup(file: string, keys: BackupKeys): Promise<CheckedBackup> {
  return inScratch(file, keys, async (checked) => checked);
}

/**
 * Restore `file` into a scratch SQLite file in a new private folder, check it, hand it to `use`
 * (a drill compares it with the live vault), then remove it whatever happens.
 */
export async function inScratch<T>(file: string, keys: BackupKeys, use: (checked: CheckedBackup, scratch: { path: string; seconds: number }) => Promise<T>): Promise<T> {
  const path = resolve(file);
  const dir = mkdtempSync(join(tmpdir(), 'gmv-backup-scratch-'));
  try {
    const scratch = join(dir, 'vault.db');
    const started = process.hrtime.bigint();
    const loaded = await loadChecked(path, keys, scratch);
    const checked = { ...loaded, audit: await verifyLoaded(path, scratch) };
    return await use(checked, { path: scratch, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RestoreInput {
  file: string;
  to: StoreTarget;
  keys: BackupKeys;
  force: boolean;
  allowRollback: boolean;
  paths: LocalPaths;
}

export interface Restored extends CheckedBackup {
  to: string;
  /** Set when the backup is older than a checkpoint the target or this terminal had seen. */
  rollback: { backup: number; seen: number; where: string } | null;
  seconds: number;
}

/** What the target holds now: its vault id and largest checkpoint, or null when it holds no vault. */
async function existingVault(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<{ vaultId: string; checkpoint: number } | null> {
  const exists = dialect === 'sqlite'
    ? await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'vault_meta'`.execute(db)
    : await sql<{ n: number }>`select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = 'vault_meta'`.execute(db);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return null;
  const id = await sql<{ value: string }>`select value from vault_meta where key = 'vault_id'`.execute(db);
  if (!id.rows[0]) return null;
  const cp = await sql<{ n: number | null }>`select max(tree_size) as n from audit_checkpoints`.execute(db).catch(() => ({ rows: [{ n: 0 }] }));
  return { vaultId: id.rows[0].value, checkpoint: Number(cp.rows[0]?.n ?? 0) };
}

/** `gmv backup restore FILE --to PATH|URL`. */
export async function restoreBackup(input: RestoreInput): Promise<Restored> {
  const started = process.hrtime.bigint();
  const file = resolve(input.file);
  const to = input.to.kind === 'sqlite' ? { kind: 'sqlite' as const, path: resolve(input.to.path) } : input.to;
  const location = to.kind === 'sqlite' ? to.path : redactUrl(to.url);
  // What is there now: refuse before decrypting anything.
  let existing: { vaultId: string; checkpoint: number } | null = null;
  if (to.kind === 'sqlite') {
    if (existsSync(to.path)) {
      if (!input.force) throw new GmvError('RESTORE_TARGET_EXISTS', { target: location });
      const database = await openSqliteDatabase(to.path, 'read').catch(() => null);
      if (database) {
        const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
        existing = await existingVault(db, 'sqlite').catch(() => null);
        await db.destroy();
      }
    }
  } else {
    const pool = await connectPostgres(to.url);
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    try {
      existing = await existingVault(db, 'postgres');
      if (existing && !input.force) throw new GmvError('RESTORE_TARGET_EXISTS', { target: location });
    } finally {
      await db.destroy();
    }
  }

  const dir = to.kind === 'sqlite' ? dirname(to.path) : mkdtempSync(join(tmpdir(), 'gmv-restore-'));
  const scratch = to.kind === 'sqlite' ? join(dir, `.${basename(to.path)}.${randomBytes(6).toString('hex')}.restoring`) : join(dir, 'vault.db');
  try {
    const loaded = await loadChecked(file, input.keys, scratch);
    const audit = await verifyLoaded(file, scratch);
    const size = loaded.manifest.audit.checkpoint?.size ?? 0;
    const seen = readSeen(input.paths.devicesDir, loaded.manifest.vault);
    let rollback: Restored['rollback'] = null;
    if (seen && seen.size > size) rollback = { backup: size, seen: seen.size, where: 'this terminal' };
    if (existing && existing.vaultId === loaded.manifest.vault && existing.checkpoint > size) rollback = { backup: size, seen: existing.checkpoint, where: location };
    if (rollback && !input.allowRollback) throw new GmvError('BACKUP_ROLLBACK', { path: file, size, seen: rollback.seen, where: rollback.where });
    // A rollback on purpose is itself audited in the restored vault, under a key that signs it.
    if (rollback && !input.keys.holder?.signer && !readDeviceKey(input.paths.devicesDir, loaded.manifest.vault)) throw new GmvError('SESSION_REQUIRED', {});
    if (to.kind === 'sqlite') {
      // A write-ahead log left by the vault being replaced would be replayed into the new file.
      for (const suffix of ['-wal', '-shm', '-journal']) rmSync(to.path + suffix, { force: true });
      renameSync(scratch, to.path);
    } else {
      await copyIntoPostgres(scratch, to.url, input.force);
      try {
        await verifyAuditAt(to, {});
      } catch (error) {
        await dropVault(to.url);
        throw error instanceof GmvError ? invalid(file, 'detail.backupRestoredFails', { code: error.code }) : error;
      }
    }
    if (rollback) await recordRollback(to, input, loaded.manifest, rollback);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { ...loaded, audit, to: location, rollback, seconds };
  } finally {
    removeSqliteFiles(scratch);
    if (to.kind === 'postgres') rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The `backup.restore` entry of a rollback made on purpose, signed by the officer or this terminal.
 * This terminal forgets the newer checkpoint it saw: the restored log is the one to extend now.
 */
async function recordRollback(to: StoreTarget, input: RestoreInput, manifest: BackupManifest, rollback: NonNullable<Restored['rollback']>): Promise<void> {
  rmSync(seenFilePath(input.paths.devicesDir, manifest.vault), { force: true });
  const vault = await openVault({ target: to, paths: input.paths });
  try {
    const holder = input.keys.holder ?? null;
    await commitChange(vault, async () => ({
      result: undefined,
      audit: [{ action: 'backup.restore', actor: holder?.login ?? null, subject: null, outcome: 'ok', details: { rollback: true, backup_checkpoint: rollback.backup, seen_checkpoint: rollback.seen, seen_by: rollback.where, backup_created_at: manifest.created_at, file: input.file } }],
    }), holder?.signer ? { by: { signer: holder.signer } } : {});
  } finally {
    await vault.store.close();
  }
}

async function dropVault(url: string): Promise<void> {
  const pool = await connectPostgres(url);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await dropTables(conn, 'postgres');
      await sql`commit`.execute(conn);
    });
  } finally {
    await db.destroy();
  }
}

/** The checked SQLite file's rows into PostgreSQL, in one transaction (a forced restore drops the old vault in it). */
async function copyIntoPostgres(scratch: string, url: string, force: boolean): Promise<void> {
  const database = await openSqliteDatabase(scratch, 'read');
  const source = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  const pool = await connectPostgres(url);
  const target = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await target.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      try {
        if (force) await dropTables(conn, 'postgres');
        await applyMigrations(conn, 'postgres', null, SCHEMA_VERSION, redactUrl(url));
        const identity = await identityTables(conn, 'postgres');
        const shapes = await tableShapes(source, 'sqlite');
        for (const shape of shapes) {
          if (shape.table === 'gmv_migrations') continue;
          for await (const rows of tableRows(source, shape)) await insertRows(conn, 'postgres', shape.table, shape.columns.map((c) => c.name), rows, identity.has(shape.table));
        }
        await resetIdentities(conn, 'postgres', identity);
        await sql`commit`.execute(conn);
        // The first listings after a restore plan from the rows now there, not from empty tables.
        await refreshEstimates(conn, 'postgres', shapes.map((s) => s.table));
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  } finally {
    await source.destroy();
    await target.destroy();
  }
}
