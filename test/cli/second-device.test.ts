/** A person's second terminal receives their existing key from one where they can unlock; nothing else can open it. */
import { describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';

describe.each(dialects())('second device on %s', (dialect) => {
  it('enroll without a new key, approve, add-key from the first terminal, first login seals it', async () => {
    const box = await sandbox(dialect);
    const first = otherTerminal(box, 'zhang-1');
    const second = otherTerminal(box, 'zhang-2');
    const terminals = [box, first, second];
    try {
      await initVault(box.env);
      expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
      expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
      const enroll1 = await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: first.env, input: 'first-terminal-passphrase-1' });
      expect(enroll1.code, enroll1.stderr).toBe(0);
      expect(JSON.parse(enroll1.stdout).newPersonKey).toBe(true);
      expect((await gmv(['device', 'approve', JSON.parse(enroll1.stdout).code], { env: box.env })).code).toBe(0);

      // The second enrollment asks no passphrase and makes no key pair.
      const enroll2 = await gmv(['device', 'enroll', '--login', 'zhang.wei', '--json'], { env: second.env });
      expect(enroll2.code, enroll2.stderr).toBe(0);
      const { code, deviceId, newPersonKey } = JSON.parse(enroll2.stdout);
      expect(newPersonKey).toBe(false);

      // Before approval, and before the key arrives, the second terminal cannot log in.
      expect((await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: second.env, input: 'second-terminal-passphrase-2' })).code).toBe(5);
      expect((await gmv(['device', 'add-key', deviceId, '--login', 'zhang.wei', '--passphrase-file', '-'], { env: first.env, input: 'first-terminal-passphrase-1' })).code).toBe(5);
      expect((await gmv(['device', 'approve', code], { env: box.env })).code).toBe(0);
      const early = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: second.env, input: 'second-terminal-passphrase-2' });
      expect(early.code).toBe(5);
      expect(early.stderr).toContain('zhang.wei');

      // Another person cannot hand their key to zhang.wei's terminal.
      const foreign = await gmv(['device', 'add-key', deviceId, '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE });
      expect(foreign.code).toBe(4);

      const add = await gmv(['device', 'add-key', deviceId, '--login', 'zhang.wei', '--passphrase-file', '-'], { env: first.env, input: 'first-terminal-passphrase-1' });
      expect(add.code, add.stderr).toBe(0);
      const login2 = await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: second.env, input: 'second-terminal-passphrase-2' });
      expect(login2.code, login2.stderr).toBe(0);
      expect(JSON.parse(login2.stdout)).toMatchObject({ login: 'zhang.wei', deviceId });
      // Each terminal keeps its own passphrase; the same key is behind both.
      expect((await gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: first.env, input: 'first-terminal-passphrase-1' })).code).toBe(0);
      const log = JSON.parse((await gmv(['audit', 'log', '--json', '--subject', deviceId], { env: box.env })).stdout).entries.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
      expect(log).toEqual(expect.arrayContaining(['device.enroll:ok', 'device.approve:ok', 'device.add-key:ok', 'device.key-received:ok', 'session.login:ok']));
      expect((await gmv(['audit', 'verify'], { env: box.env })).code).toBe(0);
    } finally {
      for (const t of terminals) await gmv(['lock'], { env: t.env });
    }
  });
});
