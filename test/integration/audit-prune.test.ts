/** Retention: nothing is pruned inside the policy's retention; a prune keeps the tree verifiable and is itself audited. */
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/dialects.js';
import { makeVault, appendSample } from '../helpers/vault-fixture.js';
import { pruneAudit } from '../../src/services/audit-prune.js';
import { verifyAudit } from '../../src/services/audit-verify.js';
import { listAudit } from '../../src/services/audit-log.js';
import { openVault } from '../../src/services/vault.js';
import { unlockPerson } from '../../src/services/unlock.js';
import { Secret } from '../../src/crypto/secret.js';
import { GmvError } from '../../src/errors.js';
import { OFFICER_PASSPHRASE } from '../helpers/cli.js';

describe.each(dialects())('audit retention on %s', (dialect) => {
  it('refuses inside retention, prunes outside it, and the log still verifies', async () => {
    let clock = new Date('2026-01-05T08:00:00Z');
    const now = () => clock;
    const { box, vault } = await makeVault(dialect, now);
    await appendSample(vault, 10, 5);
    await vault.store.close();

    clock = new Date('2026-03-01T08:00:00Z');
    const later = await openVault({ target: box.target, paths: box.paths, now });
    const actor = await unlockPerson(later, 'li.an', Secret.fromString(OFFICER_PASSPHRASE));
    const refused = await pruneAudit(later, { before: new Date('2026-01-10T00:00:00Z'), actor }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GmvError);
    expect((refused as GmvError).code).toBe('DENIED_RETENTION');
    const denials = await listAudit(later, { action: 'audit.prune' });
    expect(denials.map((e) => e.outcome)).toEqual(['denied']);

    await appendSample(later, 3, 3);
    clock = new Date('2026-07-20T08:00:00Z');
    const result = await pruneAudit(later, { before: new Date('2026-01-10T00:00:00Z'), actor });
    expect(result.pruned).toBe(14); // init's 4 entries and the 10 sample entries of 2026-01-05
    const report = await verifyAudit(later.store.reader, {});
    expect(report.pruned).toEqual({ count: 14, upTo: 13 });
    const entries = await listAudit(later, {});
    expect(entries.filter((e) => !e.present)).toHaveLength(14);
    expect(entries.at(-1)).toMatchObject({ action: 'audit.prune', outcome: 'ok', details: { count: 14, up_to_seq: 13 } });

    // Blanking a later entry without a prune entry covering it is tampering.
    await later.store.db.updateTable('audit_entries').set({ body: null }).where('seq', '=', 16).execute();
    await expect(verifyAudit(later.store.reader, {})).rejects.toMatchObject({ code: 'AUDIT_TAMPERED', params: { seq: 16 } });
    await later.store.close();
  });
});
