/**
 * Attacker: someone who can write the vault database alters the key material stored in it — the
 * sealed organisation private key, or the device CA certificate every terminal checks. Before, such
 * a change ended as exit 1 "internal error" (a plain EnvelopeError or DeviceCaError). Expected: an
 * integrity failure, exit 6, with its own code naming what was altered, and nothing signed, issued
 * or unlocked with it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { lockAll } from '../helpers/session-helpers.js';

describe.each(dialects())('tampered key material in the vault (%s)', (dialect) => {
  const boxes: Sandbox[] = [];
  afterAll(() => lockAll(undefined, boxes.map((b) => b.env)));

  async function loggedIn(): Promise<Sandbox> {
    const box = await sandbox(dialect);
    boxes.push(box);
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    return box;
  }

  it('a sealed organisation key that was altered: exit 6 SEALED_DATA_TAMPERED naming org_keys, no checkpoint signed with it', async () => {
    const box = await loggedIn();
    const [row] = await directSql(box, ['select fingerprint, private_envelope from org_keys']);
    const envelope = JSON.parse(String(row!.private_envelope)) as { ct: string };
    const ct = Buffer.from(envelope.ct, 'base64');
    ct[10] = ct[10]! ^ 0x01;
    envelope.ct = ct.toString('base64');
    await directSql(box, [`update org_keys set private_envelope = '${JSON.stringify(envelope)}'`]);
    const exported = await gmv(['audit', 'checkpoint', 'export', '--out', `${box.dir}/evidence`, '--json'], { env: box.env });
    expect(exported.code, exported.stderr).toBe(6);
    const error = JSON.parse(exported.stdout).error;
    expect(error.code).toBe('SEALED_DATA_TAMPERED');
    expect(error.message).toContain('org_keys.private_envelope');
    expect(exported.stderr).not.toMatch(/internal error/i);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${box.dir}/evidence/checkpoint.json.sig`)).toBe(false);
  });

  it('a device CA certificate replaced by junk: exit 6 DEVICE_CA_INVALID, no login', async () => {
    const box = await loggedIn();
    await gmv(['lock'], { env: box.env });
    await directSql(box, ["update device_ca set cert_pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'"]);
    const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(login.code, login.stderr).toBe(6);
    expect(JSON.parse(login.stdout).error.code).toBe('DEVICE_CA_INVALID');
    expect(login.stderr).not.toMatch(/internal error/i);
    // What does not check out is said in the reader's language (the parser's own cause is OpenSSL's words).
    const loginZh = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-', '--lang', 'zh-CN'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(loginZh.code).toBe(6);
    expect(loginZh.stderr).toContain('错误: 完整性故障：保险库的设备证书材料校验失败（不是可读的 X.509 证书（');
    expect((await gmv(['whoami'], { env: box.env })).code).not.toBe(0);
  });
});
