/**
 * TOTP seeds as people hand them over for `gmv secret set --field totp`: a bare base32 seed copied
 * from a platform's "can't scan?" link, or an otpauth://totp/ URI (Google Authenticator key-uri
 * format) from a QR code or an export. Pure: no I/O. Errors are INVALID_INPUT whose detail names
 * what is wrong and never echoes the input, because the input is a secret.
 */
import { GmvError } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';
import type { TotpAlgorithm } from '../crypto/totp.js';

/** A normalized TOTP seed as the vault stores it. */
export interface TotpSeed {
  /** Normalized uppercase base32 without padding. */
  secret: string;
  algorithm: TotpAlgorithm;
  digits: 6 | 7 | 8;
  period: number;
  issuer?: string;
  account?: string;
}

/** Some platforms still hand out 80-bit seeds (the Google Authenticator example is one), so 10 bytes is the floor. */
export const MIN_SEED_BYTES = 10;
/** otplib's ceiling; a longer "seed" is almost certainly something else pasted by mistake. */
export const MAX_SEED_BYTES = 64;
/** Shortest accepted period parameter, in seconds. */
export const MIN_PERIOD = 1;
/** Longest accepted period parameter, in seconds: five minutes is already far beyond any platform's. */
export const MAX_PERIOD = 300;

const MAX_INPUT_CHARS = 4096;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Unpadded base32 lengths (mod 8) that end on a whole byte, and the padding each needs. */
const PAD_FOR_REMAINDER: Readonly<Record<number, number>> = { 0: 0, 2: 6, 4: 4, 5: 3, 7: 1 };
const ALGORITHMS: Readonly<Record<string, TotpAlgorithm>> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
const URI = /^otpauth:\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?(?:#.*)?$/is;

/** A refusal of a TOTP seed or otpauth URI: `detail` a catalogue key (detail.seed*, detail.uri*) filled with `params`. */
function invalid(what: string, detail: MessageKey, params: Record<string, string | number> = {}): GmvError {
  return new GmvError('INVALID_INPUT', { ...params, what, detail });
}

/**
 * Normalize a base32 seed: spaces and dashes removed, uppercased, padding dropped. Validates the
 * alphabet, the length (it must end on a whole byte with zero spare bits, as otplib requires) and
 * the decoded size, so that a stored seed always produces codes later.
 */
export function normalizeBase32Seed(text: string, what = 'what.totpSeed'): string {
  const compact = text.replace(/[\s-]+/g, '').toUpperCase();
  const padding = /^[^=]*(=*)$/.exec(compact)?.[1];
  if (padding === undefined) throw invalid(what, 'detail.seedPadding');
  const body = compact.slice(0, compact.length - padding.length);
  if (body.length === 0) throw invalid(what, 'detail.seedEmpty');
  if (!/^[A-Z2-7]+$/.test(body)) throw invalid(what, 'detail.seedAlphabet');
  const expectedPad = PAD_FOR_REMAINDER[body.length % 8];
  if (expectedPad === undefined) throw invalid(what, 'detail.seedLength');
  if (padding.length !== 0 && padding.length !== expectedPad) throw invalid(what, 'detail.seedPaddingCount');
  const bytes = Math.floor((body.length * 5) / 8);
  const spareBits = body.length * 5 - bytes * 8;
  const last = BASE32.indexOf(body[body.length - 1] ?? 'A');
  if ((last & ((1 << spareBits) - 1)) !== 0) throw invalid(what, 'detail.seedBoundary');
  if (bytes < MIN_SEED_BYTES) throw invalid(what, 'detail.seedTooShort', { bytes, min: MIN_SEED_BYTES });
  if (bytes > MAX_SEED_BYTES) throw invalid(what, 'detail.seedTooLong', { bytes, max: MAX_SEED_BYTES });
  return body;
}

function decodeComponent(raw: string, part: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, ' ') : raw);
  } catch {
    throw invalid('what.otpauthUri', 'detail.uriEscape', { part });
  }
}

function optionalText(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Query parameters by lowercase name; a repeated known parameter is ambiguous and refused. */
function readQuery(query: string): Map<string, string> {
  const known = new Set(['secret', 'issuer', 'algorithm', 'digits', 'period', 'encoder', 'counter']);
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), 'query', true).toLowerCase();
    if (!known.has(name)) continue;
    if (params.has(name)) throw invalid('what.otpauthUri', 'detail.uriParamTwice', { name });
    params.set(name, decodeComponent(eq < 0 ? '' : pair.slice(eq + 1), `${name} parameter`, true));
  }
  return params;
}

/** `issuer:account`, the colon literal or %3A (key-uri format); a literal colon wins so encoded colons stay in names. */
function splitLabel(rawLabel: string): { issuer?: string; account?: string } {
  let cut = rawLabel.indexOf(':');
  let width = 1;
  if (cut < 0) {
    cut = rawLabel.toUpperCase().indexOf('%3A');
    width = 3;
  }
  if (cut < 0) {
    const account = optionalText(decodeComponent(rawLabel, 'label', false));
    return account === undefined ? {} : { account };
  }
  const issuer = optionalText(decodeComponent(rawLabel.slice(0, cut), 'label', false));
  const account = optionalText(decodeComponent(rawLabel.slice(cut + width), 'label', false));
  return { ...(issuer === undefined ? {} : { issuer }), ...(account === undefined ? {} : { account }) };
}

function parseDigits(raw: string | undefined): 6 | 7 | 8 {
  if (raw === undefined) return 6;
  if (raw === '6' || raw === '7' || raw === '8') return Number(raw) as 6 | 7 | 8;
  throw invalid('what.otpauthUri', 'detail.uriDigits');
}

function parsePeriod(raw: string | undefined): number {
  if (raw === undefined) return 30;
  const period = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(period >= MIN_PERIOD && period <= MAX_PERIOD)) throw invalid('what.otpauthUri', 'detail.uriPeriod', { min: MIN_PERIOD, max: MAX_PERIOD });
  return period;
}

function parseAlgorithm(raw: string | undefined): TotpAlgorithm {
  if (raw === undefined) return 'sha1';
  const algorithm = ALGORITHMS[raw.toUpperCase()];
  if (algorithm === undefined) throw invalid('what.otpauthUri', 'detail.uriAlgorithm');
  return algorithm;
}

function parseUri(text: string): TotpSeed {
  const match = URI.exec(text);
  if (!match) throw invalid('what.otpauthUri', 'detail.uriForm');
  const type = (match[1] ?? '').toLowerCase();
  if (type === 'hotp') throw invalid('what.otpauthUri', 'detail.uriHotp');
  if (type !== 'totp') throw invalid('what.otpauthUri', 'detail.uriType');
  const params = readQuery(match[3] ?? '');
  const rawSecret = params.get('secret');
  if (rawSecret === undefined || rawSecret.trim() === '') throw invalid('what.otpauthUri', 'detail.uriNoSecret');
  if (params.get('encoder')) throw invalid('what.otpauthUri', 'detail.uriEncoder');
  const secret = normalizeBase32Seed(rawSecret, 'what.otpauthSecret');
  const label = splitLabel(match[2] ?? '');
  const issuer = optionalText(params.get('issuer')) ?? label.issuer;
  return {
    secret,
    algorithm: parseAlgorithm(params.get('algorithm')),
    digits: parseDigits(params.get('digits')),
    period: parsePeriod(params.get('period')),
    ...(issuer === undefined ? {} : { issuer }),
    ...(label.account === undefined ? {} : { account: label.account }),
  };
}

/**
 * Read what a person pasted for a TOTP field: an otpauth://totp/ URI or a bare base32 seed (spaces,
 * dashes, lowercase and padding tolerated; SHA1, 6 digits, 30 s assumed, the platforms' default).
 * Throws GmvError INVALID_INPUT, never anything else, and never with the seed in the message.
 */
export function parseTotpInput(text: string): TotpSeed {
  if (text.length > MAX_INPUT_CHARS) throw invalid('what.totpSeed', 'detail.seedInputLong', { max: MAX_INPUT_CHARS });
  const trimmed = text.trim();
  if (trimmed === '') throw invalid('what.totpSeed', 'detail.seedInputEmpty');
  if (/^otpauth:/i.test(trimmed)) return parseUri(trimmed);
  return { secret: normalizeBase32Seed(trimmed), algorithm: 'sha1', digits: 6, period: 30 };
}

function encodeComponent(value: string, part: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    throw invalid('what.otpauthUri', 'detail.uriUnicode', { part });
  }
}

/**
 * The otpauth://totp/ URI for a QR code or an authenticator app. `issuer` and `label` (the account
 * name) come from the vault, not from the seed's own issuer/account, and are trimmed; both must be
 * non-empty. Every part is percent-encoded (":" too) so the result parses back to the same seed.
 */
export function toOtpauthUri(seed: TotpSeed, issuer: string, label: string): string {
  const secret = normalizeBase32Seed(seed.secret);
  const algorithm = Object.keys(ALGORITHMS).find((k) => ALGORITHMS[k] === seed.algorithm);
  if (algorithm === undefined) throw invalid('what.totpSeed', 'detail.seedAlgorithm');
  parseDigits(String(seed.digits));
  parsePeriod(Number.isSafeInteger(seed.period) ? String(seed.period) : 'x');
  const cleanIssuer = issuer.trim();
  const cleanLabel = label.trim();
  if (cleanIssuer === '') throw invalid('what.otpauthUri', 'detail.uriIssuerEmpty');
  if (cleanLabel === '') throw invalid('what.otpauthUri', 'detail.uriLabelEmpty');
  const encodedIssuer = encodeComponent(cleanIssuer, 'issuer');
  const encodedLabel = encodeComponent(cleanLabel, 'label');
  return `otpauth://totp/${encodedIssuer}:${encodedLabel}?secret=${secret}&issuer=${encodedIssuer}&algorithm=${algorithm}&digits=${seed.digits}&period=${seed.period}`;
}
