/**
 * Threat: a forged or altered exported checkpoint.
 *
 * Attacker's position: can change the evidence an auditor later feeds to `gmv audit verify
 * --since-checkpoint` (the exported checkpoint.json, checkpoint.json.sig and org-key.asc, e.g. on a
 * shared drive or in transit), can generate OpenPGP keys of their own, and even holds this
 * terminal's device key (a signing key the organisation certified for checkpoints inside the
 * vault). The attacker does NOT hold the organisation's private key. The vault itself is genuine.
 *
 * What must hold: every altered checkpoint is refused with a documented non-zero exit code: 6
 * (integrity: CHECKPOINT_INVALID, or AUDIT_TAMPERED when the pinned organisation key is not the
 * vault's), or 11 (CHECKPOINT_FOREIGN) when the checkpoint names another vault; never exit 0.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, type RunResult } from '../helpers/cli.js';
import { exitCodeOf, type ErrorCode } from '../../src/errors.js';
import { canonicalJson } from '../../src/domain/canonical.js';

async function newKey(): Promise<{ key: openpgp.PrivateKey; armoredPublic: string; fingerprint: string }> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Mallory', comment: 'gmv organisation key' }], format: 'object' });
  return { key: privateKey, armoredPublic: publicKey.armor(), fingerprint: privateKey.getFingerprint().toUpperCase() };
}

async function sign(bytes: Buffer, key: openpgp.PrivateKey): Promise<Uint8Array> {
  return openpgp.sign({ message: await openpgp.createMessage({ binary: bytes }), signingKeys: key, detached: true, format: 'binary' });
}

describe.each(dialects())('forged exported checkpoints on %s', (dialect) => {
  let box: Sandbox;
  let evidence: string;
  let genuine: { text: string; body: Record<string, unknown> };

  beforeAll(async () => {
    box = await sandbox(dialect);
    await initVault(box.env);
    evidence = join(box.dir, 'evidence');
    const exported = await gmv(['audit', 'checkpoint', 'export', '--out', evidence, '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
    if (exported.code !== 0) throw new Error(exported.stderr);
    const text = readFileSync(join(evidence, 'checkpoint.json'), 'utf8');
    genuine = { text, body: JSON.parse(text) };
  });

  /** A copy of the genuine evidence for the attacker to alter. */
  function copyEvidence(): string {
    const dir = join(mkdtempSync(join(tmpdir(), 'gmv-forged-')), 'evidence');
    cpSync(evidence, dir, { recursive: true });
    return dir;
  }

  const verifySince = (dir: string, ...extra: string[]) => gmv(['audit', 'verify', '--since-checkpoint', join(dir, 'checkpoint.json'), '--json', ...extra], { env: box.env });

  /** Refused with `code` and its documented exit status; nothing claims success. */
  function expectRefused(result: RunResult, code: ErrorCode, exit: number): void {
    expect(exitCodeOf(code)).toBe(exit); // the documented table (src/errors.ts)
    expect(result.code, result.stdout + result.stderr).toBe(exit);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.ok).toBeUndefined();
    expect(parsed.error).toMatchObject({ code, exit });
    expect(result.stderr).toMatch(/^Error: /m);
  }

  it('the genuine evidence verifies (so the refusals below are caused by the forgery)', async () => {
    const dir = copyEvidence();
    const result = await verifySince(dir);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, consistency: { oldSize: 5 } });
    rmSync(dir, { recursive: true });
  });

  it('checkpoint.json with its root changed (still canonical JSON) → exit 6 CHECKPOINT_INVALID', async () => {
    const dir = copyEvidence();
    const root = genuine.body.root as string;
    const forgedRoot = (root[0] === '0' ? '1' : '0') + root.slice(1);
    writeFileSync(join(dir, 'checkpoint.json'), genuine.text.replace(root, forgedRoot));
    expectRefused(await verifySince(dir), 'CHECKPOINT_INVALID', 6);
  });

  it('checkpoint.json with its size lowered → exit 6 CHECKPOINT_INVALID', async () => {
    const dir = copyEvidence();
    writeFileSync(join(dir, 'checkpoint.json'), genuine.text.replace('"size":5', '"size":4'));
    expect(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).not.toBe(genuine.text);
    expectRefused(await verifySince(dir), 'CHECKPOINT_INVALID', 6);
  });

  it('checkpoint.json with one byte flipped anywhere → refused, never exit 0', async () => {
    const bytes = Buffer.from(genuine.text, 'utf8');
    for (const position of [0, 9, Math.floor(bytes.length / 2), bytes.length - 2]) {
      const dir = copyEvidence();
      const changed = Buffer.from(bytes);
      changed[position]! ^= 0x01;
      writeFileSync(join(dir, 'checkpoint.json'), changed);
      const result = await verifySince(dir);
      expect([6, 11], `byte ${position}: ${result.stdout}`).toContain(result.code);
      expect(JSON.parse(result.stdout).error.code).toMatch(/^(CHECKPOINT_INVALID|CHECKPOINT_FOREIGN)$/);
    }
  });

  it('checkpoint.json naming another vault → exit 11 CHECKPOINT_FOREIGN', async () => {
    const dir = copyEvidence();
    const other = canonicalJson({ ...genuine.body, vault: '00000000-0000-4000-8000-000000000000' });
    writeFileSync(join(dir, 'checkpoint.json'), other);
    expectRefused(await verifySince(dir), 'CHECKPOINT_FOREIGN', 11);
  });

  it('.sig replaced by the attacker\'s signature over the same bytes → exit 6 CHECKPOINT_INVALID', async () => {
    const dir = copyEvidence();
    const mallory = await newKey();
    writeFileSync(join(dir, 'checkpoint.json.sig'), await sign(Buffer.from(genuine.text), mallory.key));
    expectRefused(await verifySince(dir), 'CHECKPOINT_INVALID', 6);
  });

  it('.sig replaced by a signature of this terminal\'s certified device key (not the organisation key) → exit 6', async () => {
    const dir = copyEvidence();
    const deviceFile = JSON.parse(readFileSync(join(box.paths.devicesDir, `${genuine.body.vault as string}.json`), 'utf8'));
    const deviceKey = await openpgp.readPrivateKey({ armoredKey: deviceFile.signing_key });
    const forged = canonicalJson({ ...genuine.body, size: 4 });
    writeFileSync(join(dir, 'checkpoint.json'), forged);
    writeFileSync(join(dir, 'checkpoint.json.sig'), await sign(Buffer.from(forged), deviceKey));
    expectRefused(await verifySince(dir), 'CHECKPOINT_INVALID', 6);
  });

  it('.sig truncated or garbage → exit 6 CHECKPOINT_INVALID', async () => {
    for (const sig of [readFileSync(join(evidence, 'checkpoint.json.sig')).subarray(0, 20), Buffer.from('not a signature')]) {
      const dir = copyEvidence();
      writeFileSync(join(dir, 'checkpoint.json.sig'), sig);
      expectRefused(await verifySince(dir), 'CHECKPOINT_INVALID', 6);
    }
  });

  it('checkpoint re-signed by the attacker and org-key.asc replaced by the attacker\'s key → exit 6 (pinned key is not the vault\'s)', async () => {
    const dir = copyEvidence();
    const mallory = await newKey();
    const forged = canonicalJson({ ...genuine.body, size: 4 });
    writeFileSync(join(dir, 'checkpoint.json'), forged);
    writeFileSync(join(dir, 'checkpoint.json.sig'), await sign(Buffer.from(forged), mallory.key));
    writeFileSync(join(dir, 'org-key.asc'), mallory.armoredPublic);
    const result = await verifySince(dir);
    expectRefused(result, 'AUDIT_TAMPERED', 6);
    expect(JSON.parse(result.stdout).error.message).toContain(mallory.fingerprint);
  });

  it('the attacker\'s key passed as --org-key → exit 6', async () => {
    const dir = copyEvidence();
    const mallory = await newKey();
    writeFileSync(join(dir, 'checkpoint.json.sig'), await sign(Buffer.from(genuine.text), mallory.key));
    const keyFile = join(dir, 'mallory.asc');
    writeFileSync(keyFile, mallory.armoredPublic);
    expectRefused(await verifySince(dir, '--org-key', keyFile), 'AUDIT_TAMPERED', 6);
  });

  it('org-key.asc deleted and the checkpoint re-signed by the attacker → still checked against the vault\'s key, exit 6', async () => {
    const dir = copyEvidence();
    const mallory = await newKey();
    rmSync(join(dir, 'org-key.asc'));
    writeFileSync(join(dir, 'checkpoint.json.sig'), await sign(Buffer.from(genuine.text), mallory.key));
    expectRefused(await verifySince(dir), 'CHECKPOINT_INVALID', 6);
  });
});
