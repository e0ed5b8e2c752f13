/**
 * The canonical records of signing keys that the organisation key certifies: a terminal's device key,
 * and a person's key (which signs checkpoints while its holder is logged in).
 */
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

export interface PersonKeyRecord {
  kind: 'gmv.person-key';
  v: 1;
  vault: string;
  person: string;
  fingerprint: string;
  created_at: string;
}

export function personKeyRecordText(record: Omit<PersonKeyRecord, 'kind' | 'v'>): string {
  return canonicalJson({ kind: 'gmv.person-key', v: 1, ...record });
}
