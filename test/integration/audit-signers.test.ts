/**
 * Who may sign a checkpoint: the logged-in person's key (certified by the organisation), else the
 * terminal's device key, each only while active. A change that revokes the very terminal it runs
 * on (or races with its revocation) leaves its entries for the next checkpoint instead of signing
 * them with a key the same transaction sees revoked; a checkpoint signed anyway over the revocation
 * (or over the recovery that retired a person key) is tampering.
 */
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/dialects.js';
import { makeVault } from '../helpers/vault-fixture.js';
import { commitChange, terminalDevice } from '../../src/services/vault.js';
import { verifyAudit } from '../../src/services/audit-verify.js';
import { readPrivate } from '../../src/crypto/pgp.js';
import { unlockPerson } from '../../src/services/unlock.js';
import { Secret } from '../../src/crypto/secret.js';
import { OFFICER_PASSPHRASE } from '../helpers/cli.js';
import type { Vault } from '../../src/services/vault.js';

describe.each(dialects())('checkpoint signers on %s', (dialect) => {
  it('a terminal revoked by the change it commits leaves the change unsigned; its key signing anyway is caught', async () => {
    const { vault } = await makeVault(dialect);
    try {
      const device = terminalDevice(vault)!;
      await commitChange(vault, async (trx) => {
        await trx.updateTable('devices').set({ status: 'revoked', revoked_at: vault.now().toISOString(), revoke_reason: 'test' }).where('id', '=', device.deviceId).execute();
        return { result: undefined, audit: [{ action: 'device.revoke', actor: 'li.an', subject: device.deviceId, outcome: 'ok' }] };
      });
      const report = await verifyAudit(vault.store.reader, {});
      expect(report.unsignedTail).toBe(1);

      // What a revoked terminal leaves unsigned for the next writer: a refusal (anything else is refused, see audit-tail-insertion).
      await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'test.later', actor: 'li.an', subject: null, outcome: 'denied' }] }));
      expect((await verifyAudit(vault.store.reader, {})).unsignedTail).toBe(2);

      const key = await readPrivate(device.signingKey.revealString());
      await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'test.forged', actor: 'li.an', subject: null, outcome: 'ok' }] }), { key });
      await expect(verifyAudit(vault.store.reader, {})).rejects.toMatchObject({
        code: 'AUDIT_TAMPERED',
        params: { detail: 'detail.signerRevoked', device: device.deviceId, revokedAt: report.entries - 1 },
      });
    } finally {
      await vault.store.close();
    }
  });

  const lastSigner = async (vault: Vault) =>
    (await vault.store.db.selectFrom('audit_checkpoints').select('signer_fingerprint').orderBy('id', 'desc').executeTakeFirstOrThrow()).signer_fingerprint;
  const event = (action: string) => async () => ({ result: undefined, audit: [{ action, actor: 'li.an', subject: null, outcome: 'ok' as const }] });

  it('the logged-in person\'s certified key signs their changes; without certification the device key does', async () => {
    const { vault } = await makeVault(dialect);
    try {
      const device = terminalDevice(vault)!;
      const deviceFingerprint = (await vault.store.db.selectFrom('devices').select('signing_fingerprint').where('id', '=', device.deviceId).executeTakeFirstOrThrow()).signing_fingerprint;
      await commitChange(vault, event('test.before-login'));
      expect(await lastSigner(vault)).toBe(deviceFingerprint);

      const officer = await unlockPerson(vault, 'li.an', Secret.fromString(OFFICER_PASSPHRASE));
      await commitChange(vault, event('test.logged-in'), { by: officer });
      expect(await lastSigner(vault)).toBe(officer.keyFingerprint);
      await expect(verifyAudit(vault.store.reader, {})).resolves.toMatchObject({ unsignedTail: 0 });

      // A key the organisation did not certify (activated before gmv certified person keys) does not sign...
      await vault.store.db.updateTable('person_keys').set({ certification: null }).where('fingerprint', '=', officer.keyFingerprint).execute();
      await commitChange(vault, event('test.uncertified'), { by: officer });
      expect(await lastSigner(vault)).toBe(deviceFingerprint);
      // ...so the checkpoint it signed before no longer counts once its certification is gone.
      await expect(verifyAudit(vault.store.reader, {})).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', params: { detail: 'detail.unknownSigner', signer: officer.keyFingerprint } });
    } finally {
      await vault.store.close();
    }
  });

  it('a person key retired by a recovery cannot sign over that recovery', async () => {
    const { vault } = await makeVault(dialect);
    try {
      const officer = await unlockPerson(vault, 'li.an', Secret.fromString(OFFICER_PASSPHRASE));
      await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'recovery.use', actor: 'li.an', subject: 'li.an', outcome: 'ok', details: { retired_keys: [officer.keyFingerprint] } }] }), { by: officer });
      // Only the entry is written here, not the retirement itself: the key is still active and signs it.
      const retiredAt = Number((await vault.store.db.selectFrom('audit_entries').select('seq').where('action', '=', 'recovery.use').executeTakeFirstOrThrow()).seq);
      await expect(verifyAudit(vault.store.reader, {})).rejects.toMatchObject({ params: { detail: 'detail.signerRetired', key: officer.keyFingerprint, retiredAt } });
      expect(await lastSigner(vault)).toBe(officer.keyFingerprint);
    } finally {
      await vault.store.close();
    }
  });
});
