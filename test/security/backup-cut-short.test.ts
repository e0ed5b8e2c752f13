/**
 * Threat: a backup cut short anywhere, a damaged copy or a transfer stopped part way, is read as
 * something other than what it is. Cut inside its first packets (the session-key packets, the
 * header of the encrypted data) the decryption fails before any plaintext, on the worker thread
 * that decrypts (services/backup-decrypt.ts); that failure once came back as an "internal error,
 * report it" (exit 1), telling an officer that gmv, not the file, was broken.
 *
 * What must hold: at every length short of the whole file, `gmv backup verify` and `restore` say the
 * backup is invalid (exit 6, BACKUP_INVALID) and write nothing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { lockAll } from '../helpers/session-helpers.js';

describe('a backup cut short', () => {
  let box: Sandbox;
  let bytes: Buffer;
  beforeAll(async () => {
    box = await sandbox('sqlite');
    await initVault(box.env);
    expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
    await train(box.env, 'li.an', 'security-officer');
    const file = join(box.dir, 'whole.gmvbak');
    expect((await gmv(['backup', 'create', '--out', file], { env: box.env })).code).toBe(0);
    bytes = readFileSync(file);
  });
  afterAll(async () => {
    await lockAll(undefined, [box?.env]);
  });

  /**
   * Where each kind of failure begins: cut in the key packets the message does not parse; cut in
   * the encrypted data's header the decryption refuses; past it the decryption starts and its
   * stream fails at its first read, before any plaintext (the case that came back as exit 1).
   */
  async function boundaries(): Promise<number[]> {
    const { decryptFile, DecryptFailure } = await import('../../src/services/backup-decrypt.js');
    const { readPrivate, sessionKeyOf } = await import('../../src/crypto/pgp.js');
    const key = await readPrivate(readFileSync(join(box.dir, 'recovery.asc'), 'utf8'));
    const kindAt = async (length: number): Promise<string> => {
      const cut = join(box.dir, 'scan.gmvbak');
      writeFileSync(cut, bytes.subarray(0, length));
      try {
        const stream = await decryptFile(cut, async (packets) => (await sessionKeyOf(packets, key))!);
        for await (const chunk of stream) if (chunk.length > 0) return 'plaintext';
        return 'empty';
      } catch (error) {
        return error instanceof DecryptFailure ? error.stage : 'stream';
      }
    };
    const found: number[] = [];
    let last = '';
    for (let length = 1; length <= 2048; length++) {
      const kind = await kindAt(length);
      if (kind !== last) found.push(length);
      last = kind;
      if (kind === 'stream') return [...found, length + 1];
    }
    throw new Error(`no cut in the first 2 KiB fails in the stream (kinds began at ${found.join(', ')})`);
  }

  it('is invalid (exit 6) at every kind of cut: in the key packets, the encrypted data\'s header, its first read, and further on', async () => {
    const lengths = [...new Set([1, ...await boundaries(), 600, Math.floor(bytes.length / 2), bytes.length - 1])];
    const outcomes = new Map<string, number[]>();
    for (const length of lengths) {
      const cut = join(box.dir, 'cut.gmvbak');
      writeFileSync(cut, bytes.subarray(0, length));
      const r = await gmv(['backup', 'verify', cut, '--recovery-key', join(box.dir, 'recovery.asc'), '--json'], { env: box.env });
      const code = r.code === 0 ? 'OK' : `${r.code} ${JSON.parse(r.stdout).error.code}`;
      outcomes.set(code, [...(outcomes.get(code) ?? []), length]);
    }
    expect(Object.fromEntries([...outcomes].map(([code, at]) => [code, at.length]))).toEqual({ '6 BACKUP_INVALID': lengths.length });
    // And a restore of each kind of cut leaves nothing behind: no vault, no scratch file.
    for (const length of lengths.slice(1, -2)) {
      writeFileSync(join(box.dir, 'early.gmvbak'), bytes.subarray(0, length));
      const restored = await gmv(['backup', 'restore', join(box.dir, 'early.gmvbak'), '--to', join(box.dir, 'never.db'), '--recovery-key', join(box.dir, 'recovery.asc'), '--json'], { env: box.env });
      expect(restored.code, `${length}: ${restored.stdout}`).toBe(6);
      expect(readdirSync(box.dir).filter((f) => f.startsWith('never.db') || f.includes('.restoring'))).toEqual([]);
    }
  });
});
