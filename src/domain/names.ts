/** Identifiers users type: login handles (zhang.wei) and slugs (weibo-press). Anchored, ASCII, lowercase. */
import { hasControlCharacters } from './terminal-text.js';

const LOGIN = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isLoginHandle(value: string): boolean {
  // A handle spelled like a message key (detail.…, what.…, status.…) would be said as that key's
  // words wherever a message names the person.
  return value.length >= 2 && value.length <= 64 && LOGIN.test(value) && !/^(detail|what|status)\./.test(value);
}

export function isSlug(value: string): boolean {
  return value.length >= 2 && value.length <= 64 && SLUG.test(value);
}

/**
 * Display names and other free text (organisation, unit, person, device label, reason): any script,
 * trimmed, no control or format characters (escape sequences, bidi overrides, zero-width characters).
 */
export function isDisplayName(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= 200 && trimmed === value && !hasControlCharacters(value);
}

export const ROLES = ['security-officer', 'account-admin', 'editor', 'reviewer', 'tech-support', 'auditor', 'leader'] as const;
export type Role = (typeof ROLES)[number];
