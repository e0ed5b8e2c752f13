/**
 * The device PKI checked by an independent implementation, on each dialect: the exported CA, a
 * device certificate and the CRL verify with `openssl verify -crl_check`; after `gmv device revoke`
 * a fresh CRL makes OpenSSL report the certificate revoked, and gmv's own login agrees both times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { lockAll, parse } from '../helpers/session-helpers.js';

const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';

function openssl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe.each(dialects())('device certificates and CRL with OpenSSL on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;
  let zhangFile: string;
  let deviceId: string;
  let serial: string;
  const file = (name: string) => join(box.dir, name);

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    zhang = otherTerminal(box, 'zhang');
    zhangFile = join(box.dir, 'zhang.pass');
    writeFileSync(zhangFile, ZHANG_PASSPHRASE);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
    const enrolled = parse<{ code: string; deviceId: string }>(await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', zhangFile, '--json'], { env: zhang.env }));
    deviceId = enrolled.deviceId;
    // A pending device has no certificate yet.
    const early = await gmv(['device', 'cert', deviceId, '--out', file('early.pem')], { env: box.env });
    expect(early.code).toBe(11);
    expect(early.stderr).toContain('has no certificate yet (pending approval)');
    expect(existsSync(file('early.pem'))).toBe(false);
    serial = parse<{ certSerial: string }>(await gmv(['device', 'approve', enrolled.code, '--json'], { env: box.env })).certSerial;
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhang?.env]);
  });

  it('CA, device certificate and CRL export; OpenSSL verifies the certificate; gmv lets the device in', async () => {
    const ca = await gmv(['device', 'ca', 'export', '--out', file('ca.pem')], { env: box.env });
    expect(ca.code, ca.stderr).toBe(0);
    expect(ca.stdout).toBe(`Wrote ${file('ca.pem')}.\n`);
    // Exports never overwrite.
    const twice = await gmv(['device', 'ca', 'export', '--out', file('ca.pem')], { env: box.env });
    expect(twice.code).toBe(9);
    expect(twice.stderr).toContain('already exists; refusing to overwrite it');

    expect((await gmv(['device', 'cert', deviceId, '--out', file('dev.pem')], { env: box.env })).code).toBe(0);
    const crl = parse<{ crlNumber: number; stale: boolean }>(await gmv(['device', 'crl', 'export', '--out', file('crl-1.pem'), '--json'], { env: zhang.env }));
    expect(crl).toMatchObject({ crlNumber: 1, stale: false });
    expect(readFileSync(file('crl-1.pem'), 'utf8')).toContain('-----BEGIN X509 CRL-----');

    const certText = openssl('x509', '-in', file('dev.pem'), '-noout', '-serial', '-subject');
    expect(certText.code).toBe(0);
    expect(certText.out).toContain(`serial=${serial}`);
    expect(certText.out).toContain(deviceId);

    const verify = openssl('verify', '-CAfile', file('ca.pem'), '-CRLfile', file('crl-1.pem'), '-crl_check', file('dev.pem'));
    expect(verify.out).toContain(`${file('dev.pem')}: OK`);
    expect(verify.code).toBe(0);
    // The CRL itself is signed by the CA.
    expect(openssl('crl', '-in', file('crl-1.pem'), '-CAfile', file('ca.pem'), '-noout').out).toContain('verify OK');

    const login = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', zhangFile], { env: zhang.env });
    expect(login.code, login.stderr).toBe(0);
    expect((await gmv(['lock'], { env: zhang.env })).code).toBe(0);
  });

  it('after gmv device revoke, a new CRL makes OpenSSL say revoked, and gmv refuses the device', async () => {
    const revoked = await gmv(['device', 'revoke', deviceId, '--reason', 'lost laptop'], { env: box.env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`Revoked device ${deviceId}; CRL #2 lists its certificate.\n`);
    const listed = parse<{ devices: { id: string; status: string; revokeReason: string }[] }>(await gmv(['device', 'list', '--json'], { env: box.env })).devices;
    expect(listed.find((d) => d.id === deviceId)).toMatchObject({ status: 'revoked', revokeReason: 'lost laptop' });
    expect((await gmv(['device', 'list'], { env: box.env })).stdout).toContain('revoked (lost laptop)');
    const again = await gmv(['device', 'revoke', deviceId, '--reason', 'twice'], { env: box.env });
    expect(again.code).toBe(11);
    expect(again.stderr).toContain('is already revoked');

    const crl = parse<{ crlNumber: number }>(await gmv(['device', 'crl', 'export', '--out', file('crl-2.pem'), '--json'], { env: box.env }));
    expect(crl.crlNumber).toBe(2);
    const crlText = openssl('crl', '-in', file('crl-2.pem'), '-noout', '-text');
    expect(crlText.out.replace(/\s+/g, ' ')).toContain(`Serial Number: ${serial}`);
    expect(crlText.out).toMatch(/X509v3 CRL Number:\s*\n\s*2\b/);

    const verify = openssl('verify', '-CAfile', file('ca.pem'), '-CRLfile', file('crl-2.pem'), '-crl_check', file('dev.pem'));
    expect(verify.code).not.toBe(0);
    expect(verify.out).toContain('certificate revoked');
    // The old CRL still says OK: relying parties need the fresh one.
    expect(openssl('verify', '-CAfile', file('ca.pem'), '-CRLfile', file('crl-1.pem'), '-crl_check', file('dev.pem')).code).toBe(0);

    const login = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', zhangFile], { env: zhang.env });
    expect(login.code).toBe(5);
    expect(login.stderr).toBe(`Error: This terminal (${deviceId}) is not authorized: device revoked. A security officer can approve or re-enroll it.\n`);
    expect((await gmv(['whoami'], { env: zhang.env })).code).toBe(5);

    const entries = parse<{ entries: { action: string; subject: string; outcome: string; details: Record<string, unknown> }[] }>(await gmv(['audit', 'log', '--json', '--action', 'device.*'], { env: box.env })).entries;
    expect(entries.filter((e) => e.action === 'device.revoke')).toMatchObject([{ subject: deviceId, outcome: 'ok', details: { reason: 'lost laptop', crl_number: 2 } }]);
    const denials = parse<{ entries: { actor: string; subject: string; outcome: string; details: Record<string, unknown> }[] }>(await gmv(['audit', 'log', '--json', '--action', 'auth.device'], { env: box.env })).entries;
    expect(denials.at(-1)).toMatchObject({ actor: 'zhang.wei', subject: deviceId, outcome: 'denied', details: { reason: 'device revoked' } });
  });
});
