/** Passphrase rules from the policy: a minimum length and a list of common passwords. Pure. */
import { readFileSync } from 'node:fs';
import type { Secret } from '../crypto/secret.js';
import { shippedFile } from '../package-root.js';

export type PassphraseVerdict = { ok: true } | { ok: false; reason: 'too-short' | 'common' | 'equals-login'; minLength?: number };

export function checkPassphrase(passphrase: Secret, login: string, minLength: number, common: ReadonlySet<string>): PassphraseVerdict {
  const value = passphrase.revealString();
  if ([...value].length < minLength) return { ok: false, reason: 'too-short', minLength };
  const folded = value.toLowerCase();
  if (common.has(folded)) return { ok: false, reason: 'common' };
  if (folded === login.toLowerCase()) return { ok: false, reason: 'equals-login' };
  return { ok: true };
}

/** Parse the shipped list: one entry per line, '#' comments. */
export function parseCommonList(text: string): Set<string> {
  return new Set(text.split('\n').map((l) => l.trim().toLowerCase()).filter((l) => l && !l.startsWith('#')));
}

/** The shipped list (policies/common-passwords.txt). */
export function loadCommonPasswords(): Set<string> {
  return parseCommonList(readFileSync(shippedFile('policies', 'common-passwords.txt'), 'utf8'));
}
