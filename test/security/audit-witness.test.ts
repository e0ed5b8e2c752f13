/**
 * Threat: the log's tail is cut (entries and the checkpoints after an earlier one deleted) and the
 * auditor's terminal never saw the later checkpoints, so the vault alone looks self-consistent.
 *
 * Attacker's position: write access to the vault database (SQLite file or the shared PostgreSQL
 * role), and to files of their own; no organisation, person or device key, and no write access to
 * the supervising office's witness folder's existing files (they may add files to it).
 *
 * What must hold: `gmv audit witness --out DIR` (cron, device key) leaves one signed file per
 * checkpoint in DIR, never overwriting; `gmv audit verify --witness DIR` from any terminal exits 6
 * (WITNESS_DISAGREES) naming every witnessed checkpoint the log no longer extends, and every file
 * in DIR whose signatures do not hold.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { rawDb, recomputeFrontier } from '../helpers/raw-db.js';
import { canonicalJson } from '../../src/domain/canonical.js';

describe.each(dialects())('witnessed checkpoints on %s', (dialect) => {
  let box: Sandbox;
  let folder: string;
  let exports = 0;

  const officerWrites = () => gmv(['audit', 'checkpoint', 'export', '--out', join(box.dir, `export-${exports++}`), '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
  const witness = () => gmv(['audit', 'witness', '--out', folder, '--json'], { env: box.env });
  /** The auditor's terminal: never saw the vault before. */
  const auditorVerify = () => gmv(['audit', 'verify', '--witness', folder, '--json'], { env: otherTerminal(box, `auditor-${exports++}`).env });

  beforeEach(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    folder = join(box.dir, 'supervisor-share');
    // Checkpoints of size 4 (init) and 5 (an export) are witnessed; a repeated run writes nothing.
    expect(JSON.parse((await witness()).stdout)).toMatchObject({ size: 4, already: false });
    expect((await officerWrites()).code).toBe(0);
    expect(JSON.parse((await witness()).stdout)).toMatchObject({ size: 5, already: false });
    const again = await witness();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ size: 5, already: true });
    expect(readdirSync(folder).sort().filter((n) => n.endsWith('.json'))).toHaveLength(2);
  });

  it('the untouched vault agrees with every witnessed checkpoint', async () => {
    const result = await auditorVerify();
    expect(result.code, result.stdout).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, witnessed: { count: 2 } });
  });

  it('entries and checkpoints after size 4 deleted: verify --witness exits 6 naming the size-5 file', async () => {
    const db = await rawDb(box.target);
    try {
      await db.run('delete from audit_entries where seq >= 4');
      await db.run('delete from audit_checkpoints where tree_size > 4');
      await recomputeFrontier(db);
    } finally {
      await db.close();
    }
    const plain = await gmv(['audit', 'verify', '--json'], { env: otherTerminal(box, 'plain').env });
    expect(plain.code, 'without a witness the cut log is self-consistent').toBe(0);

    const result = await auditorVerify();
    expect(result.code, result.stdout).toBe(6);
    const error = JSON.parse(result.stdout).error;
    expect(error).toMatchObject({ code: 'WITNESS_DISAGREES', exit: 6 });
    const size5 = readdirSync(folder).find((n) => n.includes('-000000000005-') && n.endsWith('.json'))!;
    const size4 = readdirSync(folder).find((n) => n.includes('-000000000004-') && n.endsWith('.json'))!;
    expect(error.message).toContain(size5);
    expect(error.message).not.toContain(size4);
  });

  it('a witness record forged with the attacker\'s own key is named, exit 6', async () => {
    const name = readdirSync(folder).find((n) => n.includes('-000000000005-') && n.endsWith('.json'))!;
    const record = JSON.parse(readFileSync(join(folder, name), 'utf8'));
    const checkpoint = JSON.parse(record.checkpoint);
    const forgedCheckpoint = canonicalJson({ ...checkpoint, size: 9, root: 'ab'.repeat(32) });
    const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Mallory' }], format: 'object' });
    const sign = async (text: string) => openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(text) }), signingKeys: privateKey, detached: true, format: 'binary' });
    const forged = canonicalJson({ ...record, checkpoint: forgedCheckpoint, checkpoint_signature: Buffer.from(await sign(forgedCheckpoint)).toString('base64') });
    const forgedName = name.replace('-000000000005-', '-000000000009-').replace(/-[0-9a-f]{16}\.json$/, `-${'ab'.repeat(8)}.json`);
    writeFileSync(join(folder, forgedName), forged);
    writeFileSync(join(folder, `${forgedName}.sig`), await sign(forged));
    const result = await auditorVerify();
    expect(result.code, result.stdout).toBe(6);
    expect(JSON.parse(result.stdout).error.code).toBe('WITNESS_DISAGREES');
    expect(JSON.parse(result.stdout).error.message).toContain(forgedName);
    expect(JSON.parse(result.stdout).error.message).not.toContain(name);
  });
});
