/**
 * Threat: a copied vault opened with a known passphrase on another machine.
 *
 * Attacker's position: has a full copy of the vault database (SQLite: the file copied to their own
 * directory; PostgreSQL: read/write access to the same database) and knows the security officer's
 * passphrase, but runs gmv on a terminal that does not hold this vault's device key (another
 * XDG_CONFIG_HOME). They may plant the device key file of another vault (their own) under the
 * name gmv expects, and even rewrite its vault and device ids to match this vault.
 *
 * What must hold: nothing unlocks. `gmv audit checkpoint export` exits 5 (authentication) and
 * writes nothing to --out; a planted device key is refused, not used.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';

interface Victim { box: Sandbox; vaultId: string; deviceId: string; deviceFile: string }

async function victim(dialect: 'sqlite' | 'postgres'): Promise<Victim> {
  const box = await sandbox(dialect);
  const init = JSON.parse((await initVault(box.env, ['--json'])).stdout) as { vaultId: string; deviceId: string; deviceFile: string };
  return { box, ...init };
}

describe.each(dialects())('copied vault on %s', (dialect) => {
  let genuine: Victim;
  /** The attacker's terminal: no device key, pointing at the copy (SQLite) or the same database. */
  let attacker: Sandbox;
  let attackerArgs: string[];

  beforeAll(async () => {
    genuine = await victim(dialect);
    attacker = otherTerminal(genuine.box, 'attacker');
    attackerArgs = [];
    if (dialect === 'sqlite') {
      const copy = join(mkdtempSync(join(tmpdir(), 'gmv-stolen-')), 'vault.db');
      expect(existsSync(`${genuine.box.paths.defaultVault}-wal`)).toBe(false);
      copyFileSync(genuine.box.paths.defaultVault, copy);
      attackerArgs = ['--vault', copy];
    }
  });

  const exportAs = (env: Record<string, string>, out: string, extra: string[] = []) =>
    gmv(['audit', 'checkpoint', 'export', '--out', out, '--login', 'li.an', '--passphrase-file', '-', '--json', ...extra], { env, input: OFFICER_PASSPHRASE });

  const noExport = (out: string) => !existsSync(out) || readdirSync(out).length === 0;

  it('control: the same passphrase on the genuine terminal (with its device key) opens the same data', async () => {
    // Runs first: the failed attempts below throttle li.an. Proves the refusals below come from the
    // missing device key, not from a wrong passphrase or a broken copy.
    const env = { ...genuine.box.env };
    const out = join(genuine.box.dir, 'evidence');
    const result = await exportAs(env, out, attackerArgs);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['checkpoint.json', 'checkpoint.json.sig', 'org-key.asc']);
  });

  it('terminal without the device key: export exits 5 and writes nothing to --out', async () => {
    const out = join(attacker.dir, 'loot-missing');
    const result = await exportAs(attacker.env, out, attackerArgs);
    expect(result.code, result.stderr).toBe(5);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'DEVICE_KEY_MISSING', exit: 5 });
    expect(result.stderr).toMatch(/no device key for vault/);
    expect(noExport(out)).toBe(true);
  });

  it('terminal without the device key: prune is refused with exit 5 too', async () => {
    const result = await gmv(['audit', 'prune', '--before', '2020-01-01', '--login', 'li.an', '--passphrase-file', '-', ...attackerArgs], { env: attacker.env, input: OFFICER_PASSPHRASE });
    expect(result.code, result.stderr).toBe(5);
  });

  it('device key file of another vault planted under the expected name: refused, not used (exit 5)', async () => {
    const theirs = await victim(dialect);
    const devicesDir = attacker.paths.devicesDir;
    mkdirSync(devicesDir, { recursive: true, mode: 0o700 });
    const planted = join(devicesDir, `${genuine.vaultId}.json`);
    copyFileSync(theirs.deviceFile, planted);
    try {
      const out = join(attacker.dir, 'loot-planted');
      const result = await exportAs(attacker.env, out, attackerArgs);
      expect(result.code, result.stderr).toBe(5);
      expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'DEVICE_KEY_MISMATCH', exit: 5 });
      expect(result.stderr).toMatch(/belongs to another vault or device/);
      expect(result.stderr).toContain(planted);
      expect(noExport(out)).toBe(true);

      // Rewritten to claim this vault, its genuine device id and its device CA (all public in the
      // devices and device_ca tables): the passphrase is right, but the device's certified key and
      // secret are not the planted ones, so nothing opens.
      const forged = JSON.parse(readFileSync(theirs.deviceFile, 'utf8'));
      const publicCa = JSON.parse(readFileSync(genuine.deviceFile, 'utf8')).ca_fingerprint as string;
      writeFileSync(planted, JSON.stringify({ ...forged, vault_id: genuine.vaultId, device_id: genuine.deviceId, ca_fingerprint: publicCa }), { mode: 0o600 });
      const out2 = join(attacker.dir, 'loot-forged');
      const second = await exportAs(attacker.env, out2, attackerArgs);
      expect(second.code, second.stderr).toBe(5);
      expect(JSON.parse(second.stdout).error.code).toMatch(/^(DEVICE_NOT_AUTHORIZED|AUTH_FAILED)$/);
      expect(noExport(out2)).toBe(true);
    } finally {
      rmSync(planted, { force: true });
    }
  });

});
