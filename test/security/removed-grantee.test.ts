/**
 * Attacker: a former grantee (wang.fang) whose grant was removed before a rotation. She keeps her
 * own terminal (device key file), knows her passphrase, and obtains a full copy of the database.
 * Expected: she can still open the version she was once granted (she saw it anyway), and nothing
 * written after the removal — no wrap exists for her key, and no data key she holds opens it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox, otherTerminal, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { readDeviceKey } from '../../src/local/device-file.js';
import { openPersonKey } from '../../src/services/keys.js';
import { parseEnvelope, open } from '../../src/crypto/envelope.js';
import { decryptWith } from '../../src/crypto/pgp.js';
import { Secret } from '../../src/crypto/secret.js';

const WANG = 'wang-fang-likes-long-walks-31';

describe('a removed grantee with her key and a full copy of the database', () => {
  let officer: Sandbox;
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('cannot decrypt any version written after her grant was removed', async () => {
    officer = await sandbox('sqlite');
    const zhang = otherTerminal(officer, 'zhang');
    const wang = otherTerminal(officer, 'wang');
    terminals.push(officer, zhang, wang);
    await initVault(officer.env);
    await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: officer.env, input: OFFICER_PASSPHRASE });
    for (const [t, login, name, roles, pass] of [[zhang, 'zhang.wei', '张伟', 'account-admin', 'zhang-wei-rides-the-night-bus-88'], [wang, 'wang.fang', '王芳', 'editor', WANG]] as const) {
      await gmv(['staff', 'add', '--login', login, '--name', name, '--unit', '宣传科', '--roles', roles], { env: officer.env });
      await train(officer.env, login, roles);
      const enroll = JSON.parse((await gmv(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], { env: t.env, input: pass })).stdout);
      await gmv(['device', 'approve', enroll.code], { env: officer.env });
      expect((await gmv(['login', '--login', login, '--passphrase-file', '-'], { env: t.env, input: pass })).code).toBe(0);
    }
    await gmv(['account', 'add', '--slug', 'weibo-press', '--platform', 'weibo', '--name', '沈阳发布', '--unit', '宣传科'], { env: zhang.env });
    await gmv(['secret', 'set', 'weibo-press', '--field', 'password', '--from-file', '-'], { env: zhang.env, input: 'Version-One-Password-1' });
    await gmv(['grant', 'add', 'wang.fang', 'weibo-press', '--can', 'reveal'], { env: officer.env });
    expect((await gmv(['secret', 'show', 'weibo-press'], { env: wang.env })).stdout.trim()).toBe('Version-One-Password-1');
    expect((await gmv(['grant', 'remove', 'wang.fang', 'weibo-press'], { env: officer.env })).code).toBe(0);
    const start = JSON.parse((await gmv(['rotate', 'start', 'weibo-press', '--json'], { env: zhang.env })).stdout);
    expect((await gmv(['rotate', 'confirm', 'weibo-press'], { env: zhang.env })).code).toBe(0);

    // Her copy of the database.
    const copy = join(officer.dir, 'stolen.db');
    copyFileSync(officer.paths.defaultVault, copy);
    if (existsSync(`${officer.paths.defaultVault}-wal`)) copyFileSync(`${officer.paths.defaultVault}-wal`, `${copy}-wal`);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(copy, { readonly: true });
    const vaultId = (db.prepare("select value from vault_meta where key = 'vault_id'").get() as { value: string }).value;
    const device = readDeviceKey(wang.paths.devicesDir, vaultId)!;
    const lock = db.prepare('select l.envelope from person_key_locks l join people p on p.id = l.person_id where p.login = ? and l.device_id = ?').get('wang.fang', device.deviceId) as { envelope: string };
    const herKey = await openPersonKey(parseEnvelope(lock.envelope), Secret.fromString(WANG), device.secret.reveal(), device.deviceId);

    const account = db.prepare("select id from accounts where slug = 'weibo-press'").get() as { id: number };
    const versions = db.prepare('select version, envelope from credential_versions where account_id = ? order by version').all(account.id) as { version: number; envelope: string }[];
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    const herWraps = db.prepare("select w.item_version, w.wrapped from wraps w join people p on p.id = w.person_id where p.login = 'wang.fang' and w.item_kind = 'credential'").all() as { item_version: number; wrapped: string }[];
    expect(herWraps.map((w) => w.item_version)).toEqual([1]);

    // Every data key she can unwrap (a wrap holds one key per field, as JSON), tried against the
    // password of every version (each field is sealed apart).
    const opened = new Map<number, string>();
    for (const wrap of herWraps) {
      const plain = Buffer.from(await decryptWith(Buffer.from(wrap.wrapped, 'base64'), herKey));
      const keys = Object.values(JSON.parse(plain.toString('utf8')) as Record<string, string>).map((k) => Buffer.from(k, 'base64'));
      for (const dataKey of keys) {
        for (const v of versions) {
          try {
            const password = (JSON.parse(v.envelope) as { fields: Record<string, unknown> }).fields.password;
            opened.set(v.version, JSON.parse(open(dataKey, parseEnvelope(JSON.stringify(password))).toString('utf8')) as string);
          } catch {
            // not her key
          }
        }
      }
    }
    // Every wrap of version 2 (grantees' and the organisation's) is also tried with her key.
    const v2Wraps = db.prepare("select wrapped from wraps where item_kind = 'credential' and item_version = 2").all() as { wrapped: string }[];
    expect(v2Wraps.length).toBeGreaterThan(0);
    for (const w of v2Wraps) await expect(decryptWith(Buffer.from(w.wrapped, 'base64'), herKey)).rejects.toThrow();
    db.close();

    expect(opened.get(1)).toBe('Version-One-Password-1');
    expect(opened.has(2)).toBe(false);
    expect(start.password).not.toBe('Version-One-Password-1');
  });
});
