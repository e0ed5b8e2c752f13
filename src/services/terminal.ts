/**
 * Is this terminal an authorized device of this person? Its key file must exist and pin the vault's
 * device CA, its certificate must verify through node:crypto against that CA, not be revoked (our
 * own list: the devices table and the latest CRL), not be expired, and certify this terminal's key.
 */
import { createPublicKey } from 'node:crypto';
import { GmvError } from '../errors.js';
import { statusKey, type MessageKey } from '../i18n/catalogue.js';
import type { DeviceKey } from '../local/device-file.js';
import { certFingerprint, readCrl, verifyDeviceCertificate } from '../crypto/x509.js';
import { currentCaRow } from './keys.js';
import { caVerifies, parseTransition } from '../audit/org-chain.js';
import { repinCa } from '../local/device-file.js';
import { recordDenial, terminalDevice, type Vault } from './vault.js';
import type { DevicesTable } from '../store/schema.js';

export interface AuthorizedTerminal {
  device: DeviceKey;
  row: Pick<DevicesTable, 'id' | 'person_id' | 'status' | 'cert_serial'>;
}

/** The reasons a terminal is refused, each an audited denial. */
/**
 * Whether the chain of re-key statements leads from the CA this terminal pinned to the vault's
 * current one, each statement signed by the CA it hands over from (whose certificate must have the
 * fingerprint that was pinned or handed over to).
 */
async function handedOverCa(vault: Vault, pinned: string, current: string): Promise<boolean> {
  const db = vault.store.db;
  const [cas, transitions] = await Promise.all([
    db.selectFrom('device_ca').select(['fingerprint', 'cert_pem']).execute(),
    db.selectFrom('org_transitions').select(['body', 'ca_signature']).orderBy('id').execute(),
  ]);
  const statements = transitions.map((t) => ({ t, record: parseTransition(t.body) })).filter((s) => s.record?.vault === vault.vaultId);
  let at = pinned;
  for (let step = 0; step < statements.length && at !== current; step++) {
    const next = statements.find((s) => s.record!.from_ca === at);
    const ca = cas.find((c) => certFingerprint(c.cert_pem) === at);
    if (!next || !ca || !caVerifies(next.t.body, next.t.ca_signature, ca.cert_pem)) return false;
    at = next.record!.to_ca;
  }
  return at === current;
}

export async function authorizeTerminal(vault: Vault, login: string, personId: number | null): Promise<AuthorizedTerminal> {
  const device = terminalDevice(vault, login);
  if (!device) throw new GmvError('DEVICE_KEY_MISSING', { vault: vault.vaultId, path: vault.paths.devicesDir });
  const db = vault.store.db;
  // The audit log keeps the English reason; the error names it by a catalogue key, in the reader's language.
  const deny = async (reason: string, detail: MessageKey, params: Record<string, string | number> = {}): Promise<never> => {
    await recordDenial(vault, { action: 'auth.device', actor: login, subject: device.deviceId, outcome: 'denied', details: { reason } });
    throw new GmvError('DEVICE_NOT_AUTHORIZED', { ...params, device: device.deviceId, reason: detail });
  };
  const row = await db.selectFrom('devices').select(['id', 'person_id', 'status', 'cert_pem', 'cert_serial']).where('id', '=', device.deviceId).executeTakeFirst();
  if (!row) return deny('unknown device', 'detail.deviceUnknown');
  if (row.status === 'pending') return deny('enrollment not yet approved (gmv device approve CODE)', 'detail.enrollmentNotApproved');
  if (row.status !== 'active') return deny(`device ${row.status}`, 'detail.deviceStatus', { status: statusKey('device', row.status) });
  if (personId !== null && Number(row.person_id) !== personId) return deny('the device belongs to another person', 'detail.deviceOfAnother');
  const ca = await currentCaRow(db);
  const pinned = device.caFingerprint;
  const found = certFingerprint(ca.cert_pem);
  if (pinned !== found && pinned && await handedOverCa(vault, pinned, found)) {
    // A re-key replaced the device CA, and the CA this terminal pinned signed the hand-over.
    repinCa(device, found);
  } else if (pinned !== found) {
    await recordDenial(vault, { action: 'auth.device', actor: login, subject: device.deviceId, outcome: 'denied', details: { reason: 'device CA differs from the pinned one' } });
    throw new GmvError('CA_PIN_MISMATCH', { found, pinned: pinned || '(none)' });
  }
  const revoked = new Set<string>();
  const revokedRows = await db.selectFrom('devices').select('cert_serial').where('status', '=', 'revoked').execute();
  for (const r of revokedRows) if (r.cert_serial) revoked.add(r.cert_serial);
  const crl = await db.selectFrom('crls').select('pem').orderBy('crl_number', 'desc').executeTakeFirst();
  if (crl) {
    try {
      for (const s of readCrl(crl.pem, ca.cert_pem).revokedSerials) revoked.add(s);
    } catch {
      return deny('the stored revocation list does not verify', 'detail.crlUnverified');
    }
  }
  const publicPem = createPublicKey(device.rsaKey.revealString()).export({ type: 'spki', format: 'pem' }).toString();
  const verdict = verifyDeviceCertificate({ caCertPem: ca.cert_pem, certPem: row.cert_pem ?? '', revokedSerials: revoked, at: vault.now(), expectedPublicKeyPem: publicPem });
  if (!verdict.ok) return deny(`certificate ${verdict.reason}`, 'detail.certificateProblem', { problem: `what.certificateVerdict.${verdict.reason}` satisfies MessageKey });
  // The audit log remembers revocations even if the devices and crls rows are rolled back; deleting
  // the entry too is caught by `gmv audit verify` once a signed checkpoint covers it (always, with an
  // auditor's exported checkpoint and --since-checkpoint).
  const revokedInLog = await db.selectFrom('audit_entries').select('seq').where('subject', '=', device.deviceId)
    .where('action', '=', 'device.revoke').where('outcome', '=', 'ok').executeTakeFirst();
  if (revokedInLog) return deny(`device revoked (audit entry #${revokedInLog.seq})`, 'detail.deviceRevokedLogged', { seq: Number(revokedInLog.seq) });

  return { device, row };
}
