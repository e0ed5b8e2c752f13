/** The canonical record of a device's signing key that the organisation key certifies. */
import { canonicalJson } from '../domain/canonical.js';

export interface DeviceRecord {
  kind: 'gmv.device';
  v: 1;
  vault: string;
  id: string;
  person: string | null;
  signing_fingerprint: string;
  created_at: string;
}

export function deviceRecordText(record: Omit<DeviceRecord, 'kind' | 'v'>): string {
  return canonicalJson({ kind: 'gmv.device', v: 1, ...record });
}
