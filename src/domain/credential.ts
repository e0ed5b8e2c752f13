/** What one credential version holds. Serialized canonically, sealed whole; only field names are public. */
import { canonicalJson } from './canonical.js';
import type { TotpSeed } from './otpauth.js';

export const FIELDS = ['password', 'totp', 'recovery', 'login', 'phone', 'email', 'notes'] as const;
export type Field = (typeof FIELDS)[number];

/** The fields a departure (or a narrowed grant) rotates: what can log in to the platform or get past its second factor. */
export const ROTATED_FIELDS = ['password', 'totp', 'recovery'] as const;
export type RotatedField = (typeof ROTATED_FIELDS)[number];

export interface CredentialContent {
  password?: string;
  /** The identifier typed at the platform's login page (phone, e-mail, username). */
  login?: string;
  totp?: TotpSeed;
  recovery?: string[];
  /** The phone number and e-mail bound to the account on the platform (password resets go there). */
  phone?: string;
  email?: string;
  notes?: string;
}

export function serializeCredential(content: CredentialContent): Buffer {
  return Buffer.from(canonicalJson(content), 'utf8');
}

export function parseCredential(bytes: Uint8Array): CredentialContent {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as CredentialContent;
}

/** The public summary kept beside the sealed version: which fields exist, never their values. */
export function fieldSummary(content: CredentialContent): { fields: Field[]; recoveryCodes: number } {
  const fields = FIELDS.filter((f) => content[f] !== undefined);
  return { fields, recoveryCodes: content.recovery?.length ?? 0 };
}

/** Recovery codes as users paste them: one per line or separated by spaces/commas; blank lines ignored. */
export function parseRecoveryCodes(text: string): string[] {
  return text.split(/[\s,;]+/).map((c) => c.trim()).filter((c) => c.length > 0);
}
