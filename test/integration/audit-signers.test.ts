/**
 * Who may sign a checkpoint: a terminal's device key, only while the device is active. A change
 * that revokes the very terminal it runs on (or races with its revocation) leaves its entries for
 * the next checkpoint instead of signing them with a key the same transaction sees revoked; a
 * checkpoint signed anyway over the revocation is tampering.
 */
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/dialects.js';
import { makeVault } from '../helpers/vault-fixture.js';
import { commitChange, terminalDevice } from '../../src/services/vault.js';
import { verifyAudit } from '../../src/services/audit-verify.js';
import { readPrivate } from '../../src/crypto/pgp.js';

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

      await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'test.later', actor: 'li.an', subject: null, outcome: 'ok' }] }));
      expect((await verifyAudit(vault.store.reader, {})).unsignedTail).toBe(2);

      const key = await readPrivate(device.signingKey.revealString());
      await commitChange(vault, async () => ({ result: undefined, audit: [{ action: 'test.forged', actor: 'li.an', subject: null, outcome: 'ok' }] }), { signer: key });
      await expect(verifyAudit(vault.store.reader, {})).rejects.toMatchObject({
        code: 'AUDIT_TAMPERED',
        params: { detail: 'detail.signerRevoked', device: device.deviceId, revokedAt: report.entries - 1 },
      });
    } finally {
      await vault.store.close();
    }
  });
});
