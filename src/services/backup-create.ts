/**
 * `gmv backup create --out FILE`: a consistent snapshot of the vault while it is in use, as portable
 * SQL (domain/backup-dump.ts) streamed through OpenPGP encryption to the organisation's recovery
 * keys and every current security officer (settings GnuPG 2.2 decrypts), with a manifest signed by
 * the officer in a session or, for an unattended job, by this terminal's device key.
 *
 * The snapshot is one read transaction (SQLite's WAL snapshot; PostgreSQL REPEATABLE READ) read a
 * page at a time, so memory stays bounded however long the audit log is. The `backup.create` entry
 * is committed before the snapshot starts: the backup holds the record of its own making, and the
 * terminal's remembered checkpoint is one the backup contains (a restore of it is no rollback).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, fsyncSync, linkSync, openSync, closeSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { PublicKey } from 'openpgp';
import { GmvError } from '../errors.js';
import { canonicalJson } from '../domain/canonical.js';
import { BACKUP_FORMAT, DUMP_MARKERS, FOOTER_SQL, createTableSql, headerLines, insertSql, type BackupManifest } from '../domain/backup-dump.js';
import { fingerprintOf, openpgp, openpgpKeyOf, readPublic, signDetached } from '../crypto/pgp.js';
import { checkOutputPath } from '../local/output-path.js';
import { loadTree } from '../audit/log.js';
import { steppedTableRows, tableRows, tableShapes } from '../store/snapshot.js';
import { findPerson } from '../store/people.js';
import type { DB } from '../store/schema.js';
import { activeKeysOfRole, type KeyHolder } from './keys.js';
import { authorize, type Actor } from './access.js';
import { activePolicy, commitChange, deviceSigner, terminalDevice, type Vault } from './vault.js';

export interface BackupCreated {
  path: string;
  bytes: number;
  sha256: string;
  manifest: Pick<BackupManifest, 'vault' | 'schema_version' | 'created_at' | 'created_by' | 'signer' | 'recipients' | 'tables' | 'audit'>;
}

interface BackupSigner {
  actor: Actor;
  signer: BackupManifest['signer'];
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** The officer in a session signs; without one, this terminal's device key on its officer's behalf. */
async function backupSigner(vault: Vault, holder: (KeyHolder & { deviceId: string }) | null): Promise<BackupSigner> {
  if (holder) {
    await authorize(vault, holder, 'backup.create');
    if (!holder.signer) throw new GmvError('SESSION_REQUIRED', {});
    const personSigner = holder.signer;
    return {
      actor: holder,
      signer: { kind: 'person', fingerprint: holder.keyFingerprint, login: holder.login, device: holder.deviceId },
      sign: (data) => personSigner.sign(data),
    };
  }
  const device = terminalDevice(vault);
  const key = await deviceSigner(vault, device);
  if (!device || !key) throw new GmvError('SESSION_REQUIRED', {});
  const row = await vault.store.db.selectFrom('devices').select('person_id').where('id', '=', device.deviceId).executeTakeFirstOrThrow();
  const owner = row.person_id === null ? null : await findPerson(vault.store.db, { id: Number(row.person_id) });
  if (!owner) throw new GmvError('SESSION_REQUIRED', {});
  const actor: Actor = { personId: Number(owner.id), login: owner.login, deviceId: device.deviceId };
  // The unattended job acts for the officer whose terminal this is, and only while they are one.
  await authorize(vault, actor, 'backup.create');
  return {
    actor,
    signer: { kind: 'device', fingerprint: fingerprintOf(key), login: owner.login, device: device.deviceId },
    sign: (data) => signDetached(data, key),
  };
}

/** The organisation recovery key, and the certified keys of the active holders of the roles the policy names. */
async function recipientsOf(db: Kysely<DB>): Promise<PublicKey[]> {
  const recovery = await db.selectFrom('recovery_keys').select('public_key').execute();
  const keys = await Promise.all(recovery.map((r) => readPublic(r.public_key)));
  const seen = new Set(keys.map(fingerprintOf));
  const roles = (await activePolicy(db)).backups.encryptToRoles;
  for (const holder of roles.length === 0 ? [] : await activeKeysOfRole(db, ...roles)) {
    if (seen.has(holder.fingerprint)) continue;
    seen.add(holder.fingerprint);
    keys.push(await openpgpKeyOf(holder.publicKey));
  }
  if (keys.length === 0) throw new GmvError('INTERNAL', { detail: 'detail.backupNoRecipients' });
  return keys;
}

export async function createBackup(vault: Vault, holder: (KeyHolder & { deviceId: string }) | null, out: string): Promise<BackupCreated> {
  const path = resolve(out);
  checkOutputPath(path);
  const db = vault.store.db;
  const signing = await backupSigner(vault, holder);
  const recipients = await recipientsOf(db);
  const fingerprints = recipients.map(fingerprintOf);
  const createdAt = vault.now().toISOString();
  await commitChange(vault, async () => ({
    result: undefined,
    audit: [{ action: 'backup.create', actor: signing.actor.login, subject: null, outcome: 'ok', details: { out: path, recipients: fingerprints, signer: signing.signer.fingerprint, signed_by: signing.signer.kind } }],
  }), holder ? { by: holder } : {});

  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  closeSync(openSync(temp, 'wx', 0o600));
  try {
    const written = await db.connection().execute(async (conn) => {
      await sql.raw(vault.store.dialect === 'postgres' ? 'begin isolation level repeatable read read only' : 'begin').execute(conn);
      try {
        const plaintext = dumpStream(conn, vault, signing, fingerprints, createdAt);
        const result = await encryptToFile(plaintext.stream, recipients, temp);
        await sql`commit`.execute(conn);
        return { ...result, manifest: plaintext.manifest() };
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
    // Never over a file that appeared meanwhile: link fails when the name is taken.
    try {
      linkSync(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new GmvError('OUTPUT_EXISTS', { path });
      throw error;
    }
    const m = written.manifest;
    return { path, bytes: written.bytes, sha256: written.sha256, manifest: { vault: m.vault, schema_version: m.schema_version, created_at: m.created_at, created_by: m.created_by, signer: m.signer, recipients: m.recipients, tables: m.tables, audit: m.audit } };
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The plaintext as a byte stream, generated page by page while the encryption reads it. */
function dumpStream(conn: Kysely<DB>, vault: Vault, signing: BackupSigner, recipients: string[], createdAt: string): { stream: ReadableStream<Uint8Array>; manifest: () => BackupManifest } {
  let manifest: BackupManifest | null = null;
  const encoder = new TextEncoder();
  async function* text(): AsyncGenerator<Uint8Array> {
    const hash = createHash('sha256');
    // Encoded once: the bytes hashed are the bytes encrypted.
    const emit = (s: string) => {
      const bytes = encoder.encode(s);
      hash.update(bytes);
      return bytes;
    };
    const version = await sql<{ v: number | string }>`select max(version) as v from gmv_migrations`.execute(conn);
    const schemaVersion = Number(version.rows[0]?.v ?? 0);
    const dialect = vault.store.dialect;
    const header = { format: BACKUP_FORMAT as typeof BACKUP_FORMAT, vault: vault.vaultId, schema_version: schemaVersion, dialect, created_at: createdAt, created_by: signing.actor.login };
    yield emit(headerLines(canonicalJson(header)));
    const tables: Record<string, number> = {};
    for (const shape of await tableShapes(conn, dialect)) {
      yield emit(createTableSql(shape.table, shape.columns, shape.primaryKey));
      let count = 0;
      // SQLite: the store's reader shares this transaction's connection (PostgreSQL's does not).
      const pages = dialect === 'sqlite' ? steppedTableRows(vault.store.reader, shape) : tableRows(conn, shape);
      for await (const rows of pages) {
        count += rows.length;
        yield emit(insertSql(shape.table, shape.columns, rows));
      }
      tables[shape.table] = count;
    }
    yield emit(FOOTER_SQL);
    const tree = await loadTree(conn);
    const checkpoint = await conn.selectFrom('audit_checkpoints').select(['tree_size', 'root', 'at']).orderBy('tree_size', 'desc').orderBy('id', 'desc').executeTakeFirst();
    manifest = {
      ...header,
      signer: signing.signer,
      recipients,
      tables,
      audit: { size: tree.size, root: tree.root().toString('hex'), checkpoint: checkpoint ? { size: Number(checkpoint.tree_size), root: checkpoint.root, signed_at: checkpoint.at } : null },
      content_sha256: hash.digest('hex'),
    };
    const manifestText = canonicalJson(manifest);
    const signature = await signing.sign(Buffer.from(manifestText, 'utf8'));
    yield encoder.encode(`${DUMP_MARKERS.manifest}${manifestText}\n${DUMP_MARKERS.signature}${Buffer.from(signature).toString('base64')}\n`);
  }
  const source = text();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await source.return(undefined);
    },
  });
  return {
    stream,
    manifest: () => {
      if (!manifest) throw new GmvError('INTERNAL', { detail: 'detail.backupEndedEarly' });
      return manifest;
    },
  };
}

async function encryptToFile(plaintext: ReadableStream<Uint8Array>, recipients: PublicKey[], path: string): Promise<{ bytes: number; sha256: string }> {
  const pgp = await openpgp();
  const message = await pgp.createMessage({ binary: plaintext });
  const encrypted = await pgp.encrypt({ message, encryptionKeys: recipients, format: 'binary' }) as unknown as ReadableStream<Uint8Array>;
  const file = createWriteStream(path, { flags: 'w', mode: 0o600 });
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of encrypted as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!file.write(chunk)) await new Promise<void>((done) => file.once('drain', () => done()));
    }
    await new Promise<void>((done, fail) => file.end((error?: Error | null) => (error ? fail(error) : done())));
  } catch (error) {
    file.destroy();
    throw error;
  }
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}
