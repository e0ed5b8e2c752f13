/**
 * A plain list of otpauth:// URIs, one per line, as authenticator apps and QR-code scanners export
 * them ("#" starts a comment line). The item name is the label's "issuer:account"; the account is
 * also the login.
 */
import { GmvError } from '../../errors.js';
import { parseTotpInput } from '../otpauth.js';
import { hasControlCharacters } from '../terminal-text.js';
import { badTotp, MAX_NAME_CHARS } from './entry.js';
import type { ImportReport } from './types.js';

/**
 * Read one otpauth:// URI per non-empty, non-comment line. Never throws: every bad line is reported
 * by number, whatever else the file holds.
 */
export function parseOtpauthList(text: string): ImportReport {
  const report: ImportReport = { items: [], errors: [] };
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) return;
    if (!/^otpauth:\/\//i.test(entry)) return void report.errors.push({ line, reason: 'detail.importRowNotOtpauth' });
    try {
      const totp = parseTotpInput(entry);
      const name = totp.issuer !== undefined && totp.account !== undefined ? `${totp.issuer}:${totp.account}` : (totp.issuer ?? totp.account);
      if (name === undefined) return void report.errors.push({ line, reason: 'detail.importRowNoLabel' });
      if (hasControlCharacters(name)) return void report.errors.push({ line, reason: 'detail.importRowNameControl' });
      if ([...name].length > MAX_NAME_CHARS) return void report.errors.push({ line, reason: 'detail.importRowNameLong', params: { max: MAX_NAME_CHARS } });
      report.items.push({ line, name, ...(totp.account === undefined ? {} : { loginId: totp.account }), totp });
    } catch (error) {
      if (!(error instanceof GmvError)) throw error;
      report.errors.push({ line, ...badTotp(error, 'detail.importNotTotpUri') });
    }
  });
  return report;
}
