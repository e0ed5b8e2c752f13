/**
 * Threat: a revoked terminal keeps being used.
 *
 * Attacker's position: holds a terminal that a security officer revoked (a lost or stolen laptop:
 * its device key file is intact and the owner's passphrase is known to the attacker), possibly with
 * the owner's session still open on it (the agent runs on the attacker's machine). In the
 * strongest variant the attacker can also write to the vault database: they restore, from an old
 * backup, the person_key_locks row that the revocation deleted, set the device row back to
 * `active`, and even delete the newest CRL row.
 *
 * What must hold: the terminal cannot log in (exit 5, "not authorized"), every refusal is in the
 * audit log as an `auth.device` denial, no session starts, and nothing the revoked terminal asks
 * for changes the vault. The signed CRL keeps the device out even when its row is rewritten, and
 * the audit log's revocation entry keeps it out even when the CRL is rolled back too. Nor can the
 * terminal's device key vouch for the log any more: a checkpoint it signs over a tree that holds its
 * revocation fails `gmv audit verify`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { openStore } from '../../src/store/store.js';
import { commitChange, openVault, terminalDevice } from '../../src/services/vault.js';
import { readPrivate } from '../../src/crypto/pgp.js';
import type { PersonKeyLocksTable } from '../../src/store/schema.js';
import { lockAll, parse, audit } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';

type LockRow = Omit<PersonKeyLocksTable, 'id'> & { id: number };

describe.each(dialects())('revoked terminal on %s', (dialect) => {
  let box: Sandbox;
  /** The lost laptop: zhang.wei's enrolled terminal. */
  let laptop: Sandbox;
  let passFile: string;
  let deviceId: string;
  /** The attacker's "backup" of the key lock the revocation deleted. */
  let savedLock: LockRow;

  const withDb = async <T>(fn: (db: Awaited<ReturnType<typeof openStore>>['db']) => Promise<T>): Promise<T> => {
    const store = await openStore(box.target, { mode: 'open' });
    try {
      return await fn(store.db);
    } finally {
      await store.close();
    }
  };

  const attempt = () => gmv(['login', '--login', 'zhang.wei', '--passphrase-file', passFile], { env: laptop.env });

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    laptop = otherTerminal(box, 'laptop');
    passFile = join(box.dir, 'zhang.pass');
    writeFileSync(passFile, ZHANG_PASSPHRASE);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
    const enrolled = parse<{ code: string; deviceId: string }>(await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', passFile, '--json'], { env: laptop.env }));
    deviceId = enrolled.deviceId;
    expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
    savedLock = await withDb(async (db) => db.selectFrom('person_key_locks').selectAll().where('device_id', '=', deviceId).executeTakeFirstOrThrow()) as LockRow;
    // The laptop works before it is lost, and its owner left a session open on it.
    const login = await attempt();
    expect(login.code, login.stderr).toBe(0);
    const revoked = await gmv(['device', 'revoke', deviceId, '--reason', 'laptop stolen'], { env: box.env });
    expect(revoked.code, revoked.stderr).toBe(0);
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, laptop?.env]);
  });

  it('the revocation removed the terminal\'s key lock', async () => {
    const left = await withDb((db) => db.selectFrom('person_key_locks').select('id').where('device_id', '=', deviceId).execute());
    expect(left).toEqual([]);
  });

  it('a session left open on the terminal cannot act on the vault after revocation, and ends', async () => {
    // The agent is on the attacker's machine; what counts is that the vault refuses its requests.
    // `gmv mfa enroll` needs nothing but a session and writes to the vault (a new TOTP seed).
    const okEntries = async () => (await audit(box.env)).filter((e) => e.outcome === 'ok').length;
    const before = await okEntries();
    const mfa = await gmv(['mfa', 'enroll', '--json'], { env: laptop.env });
    expect(mfa.code).toBe(5);
    expect(mfa.stdout).not.toContain('otpauth://');
    expect(mfa.stderr).toContain(`This terminal (${deviceId}) is not authorized: device revoked.`);
    expect(await audit(box.env, 'mfa.*')).toEqual([]);
    expect(await okEntries()).toBe(before);
    expect(parse<{ person: { mfa: boolean } }>(await gmv(['staff', 'show', 'zhang.wei', '--json'], { env: box.env })).person.mfa).toBe(false);
    // The refused session does not survive its first refusal.
    expect((await gmv(['whoami'], { env: laptop.env })).code).toBe(5);
    expect((await gmv(['mfa', 'enroll', '--json'], { env: laptop.env })).code).toBe(5);
  });

  it('the revoked terminal cannot log in (5); the refusal is audited and no session starts', async () => {
    await gmv(['lock'], { env: laptop.env });
    const logins = (await audit(box.env, 'session.login')).filter((e) => e.outcome === 'ok').length;
    const denials = (await audit(box.env, 'auth.device')).length;

    const refused = await attempt();
    expect(refused.code).toBe(5);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`Error: This terminal (${deviceId}) is not authorized: device revoked. A security officer can approve or re-enroll it.\n`);
    const json = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', passFile, '--json'], { env: laptop.env });
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'DEVICE_NOT_AUTHORIZED', exit: 5 } });

    expect((await gmv(['whoami'], { env: laptop.env })).code).toBe(5);
    expect((await audit(box.env, 'session.login')).filter((e) => e.outcome === 'ok')).toHaveLength(logins);
    const after = await audit(box.env, 'auth.device');
    expect(after).toHaveLength(denials + 2);
    expect(after.at(-1)).toMatchObject({ actor: 'zhang.wei', subject: deviceId, outcome: 'denied', details: { reason: 'device revoked' } });
  });

  it('restoring the deleted key lock from a backup does not bring the terminal back', async () => {
    const { id: _id, ...row } = savedLock;
    await withDb((db) => db.insertInto('person_key_locks').values(row).execute());
    const restored = await withDb((db) => db.selectFrom('person_key_locks').select('envelope').where('device_id', '=', deviceId).execute());
    expect(restored).toEqual([{ envelope: savedLock.envelope }]);
    const refused = await attempt();
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('is not authorized: device revoked');
    expect((await gmv(['whoami'], { env: laptop.env })).code).toBe(5);
  });

  it('even with the device row set back to active, the signed CRL keeps the terminal out', async () => {
    await withDb((db) => db.updateTable('devices').set({ status: 'active', revoked_at: null, revoke_reason: null }).where('id', '=', deviceId).execute());
    const refused = await attempt();
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`This terminal (${deviceId}) is not authorized: certificate revoked.`);
    expect((await gmv(['whoami'], { env: laptop.env })).code).toBe(5);
    expect((await audit(box.env, 'auth.device')).at(-1)).toMatchObject({ subject: deviceId, outcome: 'denied', details: { reason: 'certificate revoked' } });
    expect((await audit(box.env, 'session.login')).filter((e) => e.actor === 'zhang.wei' && e.outcome === 'ok')).toHaveLength(1);
  });

  // Rolling the CRL back too (deleting its newest row) leaves the signed audit log's device.revoke
  // entry, which the terminal check also consults.
  it('deleting the newest CRL row as well does not bring the terminal back', async () => {
    await withDb((db) => db.deleteFrom('crls').where('crl_number', '=', 2).execute());
    try {
      const refused = await attempt();
      expect(refused.code).toBe(5);
      expect(refused.stderr).toContain(`This terminal (${deviceId}) is not authorized: device revoked (audit entry #`);
      expect((await audit(box.env, 'auth.device')).at(-1)).toMatchObject({ subject: deviceId, outcome: 'denied' });
    } finally {
      await gmv(['lock'], { env: laptop.env });
    }
  });

  // While its row read `active` again, the terminal recorded its own refused logins and signed them
  // with its device key. The log holds its revocation, so the verifier names that checkpoint.
  it('its device key cannot vouch for the log after the revocation: verify names the checkpoint', async () => {
    const signedByLaptop = async () => withDb((db) => db.selectFrom('audit_checkpoints').innerJoin('devices', 'devices.signing_fingerprint', 'audit_checkpoints.signer_fingerprint')
      .select('audit_checkpoints.id').where('devices.id', '=', deviceId).execute());
    const before = (await signedByLaptop()).length;
    expect(before).toBeGreaterThan(0);
    const verify = await gmv(['audit', 'verify', '--json'], { env: box.env });
    expect(verify.code).toBe(6);
    const error = JSON.parse(verify.stdout).error;
    expect(error.code).toBe('AUDIT_TAMPERED');
    expect(error.message).toContain(`is signed by device ${deviceId}, whose revocation is entry #`);

    // The same for a checkpoint the attacker signs directly with the key from the laptop's device file.
    const vault = await openVault({ target: box.target, paths: laptop.paths });
    try {
      const device = terminalDevice(vault)!;
      expect(device.deviceId).toBe(deviceId);
      const signer = await readPrivate(device.signingKey.revealString());
      await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'staff.note', actor: 'zhang.wei', subject: null, outcome: 'ok' }] }), { key: signer });
    } finally {
      await vault.store.close();
    }
    expect((await signedByLaptop()).length).toBe(before + 1);
    const again = await gmv(['audit', 'verify'], { env: box.env });
    expect(again.code).toBe(6);
    expect(again.stderr).toContain(`is signed by device ${deviceId}, whose revocation is entry #`);
  });
});
