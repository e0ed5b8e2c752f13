/**
 * Threat: an entry planted at the tail of the audit log is signed over by the next honest writer.
 *
 * Attacker's position: write access to the vault database (the SQLite file, or the PostgreSQL role
 * every user of a shared vault has), gmv's source, openpgp.js; no organisation key, no person key,
 * no device key. They append a well-formed entry (body in canonical form, leaf hash and tree
 * frontier recomputed) claiming something gmv always signs, say a grant, optionally with a
 * checkpoint signed by a key of their own over it, and wait for an officer's next command.
 *
 * What must hold: the honest writer refuses to sign (exit 6, AUDIT_UNCOVERED_TAIL naming the
 * planted entry) and writes nothing, so the planted entry stays outside every valid signature.
 * What gmv itself writes without a key (an enrollment on a new terminal) is still signed over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { plantEntry, rawDb, type RawDb } from '../helpers/raw-db.js';
import { canonicalJson } from '../../src/domain/canonical.js';

describe.each(dialects())('an entry planted at the log\'s tail on %s', (dialect) => {
  let box: Sandbox;
  let db: RawDb;
  let exports = 0;

  beforeEach(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    db = await rawDb(box.target);
  });
  afterEach(async () => {
    await db.close();
  });

  /** The officer's next signed write: an organisation-signed checkpoint export. */
  const officerWrites = () => gmv(['audit', 'checkpoint', 'export', '--out', join(box.dir, `export-${exports++}`), '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
  const checkpointCount = async () => Number((await db.all<{ n: number }>('select count(*) as n from audit_checkpoints'))[0]!.n);

  it('a planted grant entry is refused, not signed: exit 6 naming it, nothing written', async () => {
    const seq = await plantEntry(db, { action: 'grant.add', actor: 'li.an', subject: 'weibo-main', outcome: 'ok', details: { to: 'mallory', capability: 'reveal' } });
    const before = await checkpointCount();
    const result = await officerWrites();
    expect(result.code, result.stderr).toBe(6);
    const error = JSON.parse(result.stdout).error;
    expect(error).toMatchObject({ code: 'AUDIT_UNCOVERED_TAIL', exit: 6 });
    expect(error.message).toContain(`#${seq}`);
    expect(await checkpointCount()).toBe(before);
    const verify = JSON.parse((await gmv(['audit', 'verify', '--json'], { env: box.env })).stdout);
    expect(verify).toMatchObject({ ok: true, unsignedTail: 1 });
  });

  it('a planted entry with the attacker\'s own checkpoint over it is still refused', async () => {
    const seq = await plantEntry(db, { action: 'staff.roles', actor: 'li.an', subject: 'mallory', outcome: 'ok', details: { roles: ['security-officer'] } });
    const [head] = await db.all<{ body: string; signer_fingerprint: string }>('select body, signer_fingerprint from audit_checkpoints order by tree_size desc limit 1');
    const { MerkleAccumulator } = await import('../../src/audit/merkle.js');
    const tree = new MerkleAccumulator();
    for (const row of await db.all<{ leaf_hash: string }>('select leaf_hash from audit_entries order by seq')) tree.append(Buffer.from(row.leaf_hash, 'hex'));
    const body = { ...JSON.parse(head!.body), size: tree.size, root: tree.root().toString('hex'), at: new Date().toISOString() };
    const text = canonicalJson(body);
    const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Mallory' }], format: 'object' });
    const signature = await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(text) }), signingKeys: privateKey, detached: true, format: 'binary' });
    await db.run('insert into audit_checkpoints (tree_size, root, at, body, signer_fingerprint, signature) values (?, ?, ?, ?, ?, ?)',
      [body.size, body.root, body.at, text, head!.signer_fingerprint, Buffer.from(signature).toString('base64')]);
    const result = await officerWrites();
    expect(result.code, result.stderr).toBe(6);
    expect(JSON.parse(result.stdout).error.code).toBe('AUDIT_UNCOVERED_TAIL');
    expect(JSON.parse(result.stdout).error.message).toContain(`#${seq}`);
  });

  it('a tail entry whose leaf hash does not match its body is refused', async () => {
    const seq = await plantEntry(db, { action: 'auth.failed', actor: 'li.an', subject: 'li.an', outcome: 'denied', device: null });
    await db.run('update audit_entries set subject = ? where seq = ?', ['zhang.wei', seq]);
    const result = await officerWrites();
    expect(result.code, result.stderr).toBe(6);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'AUDIT_UNCOVERED_TAIL' });
  });

  it('what gmv writes without a key (a new terminal\'s enrollment) is signed over by the next writer', async () => {
    const laptop = otherTerminal(box, 'laptop');
    const enroll = await gmv(['device', 'enroll', '--login', 'li.an', '--json'], { env: laptop.env });
    expect(enroll.code, enroll.stderr).toBe(0);
    expect(JSON.parse((await gmv(['audit', 'verify', '--json'], { env: box.env })).stdout)).toMatchObject({ unsignedTail: 1 });
    const result = await officerWrites();
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse((await gmv(['audit', 'verify', '--json'], { env: box.env })).stdout)).toMatchObject({ ok: true, unsignedTail: 0 });
  });
});
