import type { RekeyView } from '../src/services/org-rekey.js';
import type { MessageKey } from '../src/i18n/catalogue.js';

/** What a re-key prints: `gmv org rekey`, and offboarding or demoting an officer. */
export function rekeyLines(t: (key: MessageKey, params?: Record<string, string | number>) => string, r: RekeyView): string[] {
  return [
    t('rekey.done', { from: r.fromOrg, to: r.toOrg, fromCa: r.fromCa, toCa: r.toCa, officers: r.officers.join(', '), recovery: r.recoveryKeys }),
    t('rekey.counts', { escrow: r.escrowRewrapped, keys: r.keysRecertified, devices: r.devicesReissued, crl: r.crlNumber }),
    t('rekey.auditors'),
  ];
}
