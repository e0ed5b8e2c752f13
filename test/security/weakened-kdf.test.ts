/**
 * Attacker: someone who can write the vault database lowers the argon2id parameters stored with a
 * person's key lock (m=1024 KiB, t=1, p=1), hoping that the next login — or an offline guesser
 * working from a copy — derives keys cheaply. Expected: gmv refuses parameters below the floor
 * before deriving anything, as an integrity failure (exit 6, KDF_PARAMS_INVALID, naming the lock),
 * never exit 1 "internal error" and never a plain "wrong passphrase".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { directSql } from '../helpers/direct-sql.js';
import { lockAll } from '../helpers/session-helpers.js';

describe.each(dialects())('weakened key-derivation parameters (%s)', (dialect) => {
  const boxes: Sandbox[] = [];
  afterAll(() => lockAll(undefined, boxes.map((b) => b.env)));

  it('a key lock whose argon2id cost was lowered is exit 6, not a login or a crash', async () => {
    const box = await sandbox(dialect);
    boxes.push(box);
    await initVault(box.env);
    const [lock] = await directSql(box, ["select id, envelope from person_key_locks"]);
    const envelope = JSON.parse(String(lock!.envelope)) as { header: { kdf: Record<string, unknown> } };
    expect(envelope.header.kdf.m).toBeGreaterThanOrEqual(65536);
    envelope.header.kdf = { ...envelope.header.kdf, m: 1024, t: 1, p: 1 };
    await directSql(box, [`update person_key_locks set envelope = '${JSON.stringify(envelope).replace(/'/g, "''")}' where id = ${Number(lock!.id)}`]);

    const login = await gmv(['login', '--login', 'li.an', '--passphrase-file', '-', '--json'], { env: box.env, input: OFFICER_PASSPHRASE });
    expect(login.code, login.stderr).toBe(6);
    expect(JSON.parse(login.stdout).error.code).toBe('KDF_PARAMS_INVALID');
    expect(login.stderr).toContain('person_key_locks (li.an');
    expect(login.stderr).not.toMatch(/internal error/i);
    expect((await gmv(['whoami'], { env: box.env })).code).not.toBe(0);
  });
});
