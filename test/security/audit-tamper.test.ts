/**
 * Threat: tampering with the audit log in the database.
 *
 * Attacker's position: write access to the vault database (the SQLite file, or a PostgreSQL role
 * that can UPDATE/DELETE/INSERT every table), the gmv source code, and openpgp.js. The attacker
 * does NOT hold the organisation's private key (it is sealed for officers) nor this terminal's
 * device key. They edit, delete, swap or truncate audit entries, recompute the leaf_hash column and
 * the audit_tree frontier, delete signed checkpoints and insert checkpoints signed by a key of
 * their own.
 *
 * What must hold: `gmv audit verify` exits 6 (integrity) and names an entry number (#N); an auditor
 * who kept an older exported checkpoint (checkpoint.json, .sig, org-key.asc) detects a rewrite of
 * anything that checkpoint covered with `gmv audit verify --since-checkpoint`, even when every
 * checkpoint row of the database was deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import * as openpgp from 'openpgp';
import { dialects, sandbox, type DialectName, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, type RunResult } from '../helpers/cli.js';
import { canonicalJson } from '../../src/domain/canonical.js';
import { MerkleAccumulator } from '../../src/audit/merkle.js';

// ---------------------------------------------------------------------------------------------
// The attacker's toolbox: raw SQL on either dialect, leaf hashes and frontiers recomputed by hand.
// ---------------------------------------------------------------------------------------------

interface RawDb {
  all<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  run(query: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

async function rawDb(target: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }): Promise<RawDb> {
  if (target.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(target.path, { fileMustExist: true });
    return {
      all: async <T,>(q: string, p: unknown[] = []) => db.prepare(q).all(...p) as T[],
      run: async (q: string, p: unknown[] = []) => void db.prepare(q).run(...p),
      close: async () => void db.close(),
    };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  const numbered = (q: string) => { let i = 0; return q.replace(/\?/g, () => `$${++i}`); };
  return {
    all: async <T,>(q: string, p: unknown[] = []) => (await client.query(numbered(q), p)).rows as T[],
    run: async (q: string, p: unknown[] = []) => void (await client.query(numbered(q), p)),
    close: async () => client.end(),
  };
}

const leafHex = (text: string) => createHash('sha256').update(Buffer.concat([Buffer.of(0), Buffer.from(text, 'utf8')])).digest('hex');

interface EntryRow { seq: number; at: string; actor: string | null; action: string; subject: string | null; outcome: string; body: string | null; leaf_hash: string }

async function entries(db: RawDb): Promise<EntryRow[]> {
  const rows = await db.all<EntryRow>('select * from audit_entries order by seq');
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** Rebuild audit_tree from the leaf_hash column, as gmv's writer would have. Returns the tree. */
async function recomputeFrontier(db: RawDb): Promise<MerkleAccumulator> {
  const tree = new MerkleAccumulator();
  for (const row of await entries(db)) tree.append(Buffer.from(row.leaf_hash, 'hex'));
  await db.run('update audit_tree set size = ?, frontier = ? where id = 1', [tree.size, JSON.stringify(tree.peaks().map((p) => p.toString('hex')))]);
  return tree;
}

/** Rewrite one entry's body with `change`, keeping the listed columns consistent and the leaf hash recomputed. */
async function rewriteEntry(db: RawDb, seq: number, change: (body: Record<string, any>) => void): Promise<void> {
  const [row] = await db.all<EntryRow>('select * from audit_entries where seq = ?', [seq]);
  const body = JSON.parse(row!.body!);
  change(body);
  const text = canonicalJson(body);
  await db.run('update audit_entries set body = ?, leaf_hash = ?, seq = ?, at = ?, actor = ?, action = ?, subject = ?, outcome = ? where seq = ?',
    [text, leafHex(text), body.seq, body.at, body.actor, body.action, body.subject, body.outcome, seq]);
}

async function attackerKey(): Promise<{ key: openpgp.PrivateKey; fingerprint: string; armoredPublic: string }> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Mallory', comment: 'gmv organisation key' }], format: 'object' });
  return { key: privateKey, fingerprint: privateKey.getFingerprint().toUpperCase(), armoredPublic: publicKey.armor() };
}

async function signText(text: string, key: openpgp.PrivateKey): Promise<Uint8Array> {
  return openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(text, 'utf8') }), signingKeys: key, detached: true, format: 'binary' });
}

/** Insert a checkpoint of the current tree, signed by the attacker, claiming any signer fingerprint. */
async function forgeCheckpoint(db: RawDb, vaultId: string, tree: MerkleAccumulator, key: openpgp.PrivateKey, claimedSigner: string): Promise<void> {
  const body = { kind: 'gmv.audit.checkpoint', v: 1, vault: vaultId, size: tree.size, root: tree.root().toString('hex'), at: new Date().toISOString() };
  const text = canonicalJson(body);
  const signature = Buffer.from(await signText(text, key)).toString('base64');
  await db.run('insert into audit_checkpoints (tree_size, root, at, body, signer_fingerprint, signature) values (?, ?, ?, ?, ?, ?)',
    [body.size, body.root, body.at, text, claimedSigner, signature]);
}

// ---------------------------------------------------------------------------------------------
// One genuine vault per dialect, cloned for every attack.
// Entries: #0–#3 init (checkpoint at 4, device key), #4 #5 #6 checkpoint exports (checkpoints at
// 5, 6, 7, organisation key). The auditor keeps the export of size 5 and the one of size 6.
// ---------------------------------------------------------------------------------------------

interface Fixture {
  box: Sandbox;
  vaultId: string;
  /** Exported evidence directories, by checkpoint size. */
  evidence: Record<number, string>;
}

async function exportTo(box: Sandbox, out: string): Promise<RunResult> {
  const result = await gmv(['audit', 'checkpoint', 'export', '--out', out, '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
  if (result.code !== 0) throw new Error(`export failed (${result.code}): ${result.stderr}`);
  return result;
}

async function buildFixture(dialect: DialectName): Promise<Fixture> {
  const box = await sandbox(dialect);
  const init = JSON.parse((await initVault(box.env, ['--json'])).stdout) as { vaultId: string };
  const evidence: Record<number, string> = {};
  for (let i = 0; i < 3; i++) {
    const out = join(box.dir, `evidence-${i}`);
    const size = JSON.parse((await exportTo(box, out)).stdout).size as number;
    evidence[size] = out;
  }
  return { box, vaultId: init.vaultId, evidence };
}

interface Clone { env: Record<string, string>; args: string[]; db: RawDb; drop(): Promise<void> }

async function cloneOf(fx: Fixture): Promise<Clone> {
  if (fx.box.target.kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gmv-tamper-'));
    const path = join(dir, 'vault.db');
    expect(existsSync(`${fx.box.target.path}-wal`)).toBe(false);
    copyFileSync(fx.box.target.path, path);
    const db = await rawDb({ kind: 'sqlite', path });
    return { env: fx.box.env, args: ['--vault', path], db, drop: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: inject('pgUrl')! });
  await admin.connect();
  const source = new URL(fx.box.target.url).pathname.slice(1);
  const name = `gmv_tamper_${randomBytes(5).toString('hex')}`;
  try {
    await admin.query(`create database ${name} template ${source}`);
  } finally {
    await admin.end();
  }
  const url = new URL(fx.box.target.url);
  url.pathname = `/${name}`;
  const db = await rawDb({ kind: 'postgres', url: url.toString() });
  return { env: { ...fx.box.env, GMV_DATABASE_URL: url.toString() }, args: [], db, drop: async () => db.close() };
}

describe.each(dialects())('audit log tampering on %s', (dialect) => {
  let fx: Fixture;
  let clone: Clone;
  const verify = (...extra: string[]) => gmv(['audit', 'verify', ...clone.args, ...extra], { env: clone.env });

  beforeAll(async () => {
    fx = await buildFixture(dialect);
  });
  afterAll(async () => {
    await clone?.drop();
  });

  async function fresh(): Promise<Clone> {
    await clone?.drop();
    clone = await cloneOf(fx);
    return clone;
  }

  /** Exit 6 and a message that names entry #seq, on stderr and in the JSON error. */
  async function expectTamperedAt(seq: number): Promise<void> {
    const human = await verify();
    expect(human.code, human.stderr).toBe(6);
    expect(human.stderr).toContain(`#${seq}`);
    expect(human.stdout).not.toMatch(/verified/);
    const json = await verify('--json');
    expect(json.code).toBe(6);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'AUDIT_TAMPERED', exit: 6 });
    expect(JSON.parse(json.stdout).error.message).toContain(`#${seq}`);
  }

  it('the untouched clone verifies (so every failure below is caused by the attack)', async () => {
    await fresh();
    const result = await verify('--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, entries: 7, checkpoints: 4, unsignedTail: 0 });
  });

  it('edited entry body with its leaf_hash recomputed → exit 6 naming #4', async () => {
    const { db } = await fresh();
    await rewriteEntry(db, 4, (body) => { body.details = { dir: '/somewhere/else' }; });
    await expectTamperedAt(4);
  });

  it('edited listed column only (actor) → exit 6 naming #2', async () => {
    const { db } = await fresh();
    await db.run('update audit_entries set actor = ? where seq = 2', ['mallory']);
    await expectTamperedAt(2);
  });

  it('deleted entry → exit 6 naming #5', async () => {
    const { db } = await fresh();
    await db.run('delete from audit_entries where seq = 5');
    await expectTamperedAt(5);
  });

  it('two entries swapped (bodies renumbered, leaf hashes recomputed) → exit 6 naming #4', async () => {
    const { db } = await fresh();
    const rows = await entries(db);
    const [a, b] = [JSON.parse(rows[4]!.body!), JSON.parse(rows[5]!.body!)];
    await db.run('update audit_entries set seq = -1 where seq = 4');
    await db.run('update audit_entries set seq = 4 where seq = 5');
    await db.run('update audit_entries set seq = 5 where seq = -1');
    await rewriteEntry(db, 4, (body) => { body.seq = 4; body.at = a.at; });
    await rewriteEntry(db, 5, (body) => { body.seq = 5; body.at = b.at; });
    await expectTamperedAt(4);
  });

  it('last entries truncated (audit_tree fixed up, checkpoints left) → exit 6 naming #5', async () => {
    const { db } = await fresh();
    await db.run('delete from audit_entries where seq >= 5');
    await recomputeFrontier(db);
    await expectTamperedAt(5);
  });

  it('an entry blanked as if pruned, without a prune entry → exit 6 naming #1', async () => {
    const { db } = await fresh();
    await db.run('update audit_entries set body = null where seq = 1');
    await expectTamperedAt(1);
  });

  it('whole log rewritten: every leaf hash and the frontier recomputed, checkpoints replaced by one signed with the attacker\'s own key → exit 6 naming #0', async () => {
    const { db } = await fresh();
    await rewriteEntry(db, 2, (body) => { body.details = { ...body.details, roles: ['security-officer', 'auditor'] }; });
    for (const row of await entries(db)) if (row.body) await db.run('update audit_entries set leaf_hash = ? where seq = ?', [leafHex(row.body), row.seq]);
    const tree = await recomputeFrontier(db);
    await db.run('delete from audit_checkpoints');
    const mallory = await attackerKey();
    await forgeCheckpoint(db, fx.vaultId, tree, mallory.key, mallory.fingerprint);
    await expectTamperedAt(0);
  });

  it('forged checkpoint claiming the organisation key\'s fingerprint but signed by the attacker → exit 6 naming #0', async () => {
    const { db } = await fresh();
    await rewriteEntry(db, 1, (body) => { body.subject = '伪造科'; });
    const tree = await recomputeFrontier(db);
    const [orgKey] = await db.all<{ fingerprint: string }>('select fingerprint from org_keys');
    await db.run('delete from audit_checkpoints');
    await forgeCheckpoint(db, fx.vaultId, tree, (await attackerKey()).key, orgKey!.fingerprint);
    await expectTamperedAt(0);
  });

  it('auditor with an older exported checkpoint detects a rewrite before it, even with every checkpoint row deleted', async () => {
    const { db } = await fresh();
    await rewriteEntry(db, 1, (body) => { body.subject = '伪造科'; });
    await recomputeFrontier(db);
    await db.run('delete from audit_checkpoints');
    // The checkpoint the auditor exported earlier (size 5) exposes the rewrite.
    const since = await verify('--since-checkpoint', join(fx.evidence[5]!, 'checkpoint.json'));
    expect(since.code, since.stderr).toBe(6);
    const json = await verify('--since-checkpoint', join(fx.evidence[5]!, 'checkpoint.json'), '--json');
    expect(json.code).toBe(6);
    // Either finding is an integrity failure: the log lost every signature, or it does not extend the checkpoint.
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: expect.stringMatching(/^(AUDIT_TAMPERED|CHECKPOINT_INCONSISTENT)$/), exit: 6 });
  });

  it('auditor detects a rewrite that keeps the vault self-consistent (signed checkpoints after the rewritten entry deleted)', async () => {
    const { db } = await fresh();
    // Entry #4 is covered by the auditor's checkpoint of size 5 but not by init's checkpoint of size 4,
    // which the attacker keeps so that the vault still carries a valid signature.
    await rewriteEntry(db, 4, (body) => { body.details = { dir: '/nowhere' }; });
    await recomputeFrontier(db);
    await db.run('delete from audit_checkpoints where tree_size > 4');
    const json = await verify('--since-checkpoint', join(fx.evidence[5]!, 'checkpoint.json'), '--json');
    expect(json.code, json.stdout).toBe(6);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'CHECKPOINT_INCONSISTENT', exit: 6 });
  });

  it('auditor with an older exported checkpoint detects truncation hidden by deleting the signed checkpoints that covered the removed entries', async () => {
    const { db } = await fresh();
    await db.run('delete from audit_entries where seq >= 5');
    await recomputeFrontier(db);
    await db.run('delete from audit_checkpoints where tree_size > 4');
    const since = await verify('--since-checkpoint', join(fx.evidence[6]!, 'checkpoint.json'), '--json');
    expect(since.code, since.stdout).toBe(6);
    expect(JSON.parse(since.stdout).error).toMatchObject({ code: 'CHECKPOINT_INCONSISTENT', exit: 6 });
    expect(JSON.parse(since.stdout).error.message).toMatch(/checkpoint of size 6/);
  });

  it('auditor detects an organisation key substituted in the vault (pinned org-key.asc beside the checkpoint)', async () => {
    const { db } = await fresh();
    // The attacker installs their own "organisation key" (newest row wins), rewrites history and re-signs it.
    const mallory = await attackerKey();
    await db.run('insert into org_keys (fingerprint, public_key, private_envelope, created_at) values (?, ?, ?, ?)',
      [mallory.fingerprint, mallory.armoredPublic, '{}', '2999-01-01T00:00:00.000Z']);
    await rewriteEntry(db, 1, (body) => { body.subject = '伪造科'; });
    const tree = await recomputeFrontier(db);
    await db.run('delete from audit_checkpoints');
    await forgeCheckpoint(db, fx.vaultId, tree, mallory.key, mallory.fingerprint);

    const since = await verify('--since-checkpoint', join(fx.evidence[5]!, 'checkpoint.json'), '--json');
    expect(since.code, since.stdout).toBe(6);
    expect(JSON.parse(since.stdout).error.message).toContain(mallory.fingerprint);
  });

  // BUG (src/services/audit-verify.ts, verifyAudit): --org-key is only read inside
  // readAuditorCheckpoint, i.e. when --since-checkpoint is also given. `gmv audit verify --org-key
  // pinned.asc` alone silently ignores the pinned key and trusts the vault's newest org_keys row, so
  // a substituted organisation key verifies (exit 0). It should compare the vault's key with the
  // pinned one and exit 6, as it does with --since-checkpoint.
  it('`gmv audit verify --org-key PINNED` alone detects a substituted organisation key', async () => {
    const { db } = await fresh();
    const pinned = join(mkdtempSync(join(tmpdir(), 'gmv-pin-')), 'org-key.asc');
    copyFileSync(join(fx.evidence[5]!, 'org-key.asc'), pinned);
    const mallory = await attackerKey();
    await db.run('insert into org_keys (fingerprint, public_key, private_envelope, created_at) values (?, ?, ?, ?)',
      [mallory.fingerprint, mallory.armoredPublic, '{}', '2999-01-01T00:00:00.000Z']);
    await rewriteEntry(db, 1, (body) => { body.subject = '伪造科'; });
    const tree = await recomputeFrontier(db);
    await db.run('delete from audit_checkpoints');
    await forgeCheckpoint(db, fx.vaultId, tree, mallory.key, mallory.fingerprint);

    const result = await verify('--org-key', pinned);
    expect(result.code, result.stdout).toBe(6);
  });

  // BUG (src/audit/verify.ts, verifyAuditLog): a prune entry authorizes blanked bodies even when it
  // sits in the unsigned tail, i.e. no signed checkpoint covers it. An attacker with database write
  // access blanks any entries (here the export records #4 and #5, well inside the retention
  // period), appends a forged `audit.prune` entry with up_to_seq = 5 and fixes audit_tree: every
  // signed checkpoint still verifies (the leaf hashes are kept) and verify exits 0 with only an
  // "unsigned tail" warning; the next legitimate command then signs the forged entry too. A prune
  // should be accepted only when a signed checkpoint covers it (and its `before` is outside the
  // recorded retention); verify should exit 6 naming #4.
  it('forged prune entry appended to the unsigned tail does not excuse blanked entries', async () => {
    const { db } = await fresh();
    const rows = await entries(db);
    await db.run('update audit_entries set body = null where seq in (4, 5)');
    const last = JSON.parse(rows[6]!.body!);
    const forged = { ...last, seq: 7, action: 'audit.prune', subject: null, outcome: 'ok', details: { before: new Date().toISOString(), up_to_seq: 5, count: 2, retention_days: 183 } };
    const text = canonicalJson(forged);
    await db.run('insert into audit_entries (seq, at, actor, action, subject, outcome, body, leaf_hash) values (?, ?, ?, ?, ?, ?, ?, ?)',
      [7, forged.at, forged.actor, forged.action, null, 'ok', text, leafHex(text)]);
    await recomputeFrontier(db);
    await expectTamperedAt(4);
  });
});
