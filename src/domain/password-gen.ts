/**
 * Passwords for platform accounts, generated to each platform's rules so that a rotation never
 * fails at the platform's own form. The randomness source is injected (`random(n)` returns n
 * uniformly random bytes: `crypto.randomBytes` in production, a seeded stream in tests), which
 * keeps this module pure. Every random choice is unbiased: indices come from rejection sampling
 * on masked bits (never a modulo of a random number) and the shuffle is Fisher–Yates.
 */
import { GmvError } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';

/** The character classes platform rules talk about (小写字母, 大写字母, 数字, 符号). */
export const CHAR_CLASSES = ['lower', 'upper', 'digit', 'symbol'] as const;
export type CharClass = (typeof CHAR_CLASSES)[number];

/** What a platform accepts and what gmv requires of the passwords it makes for it. */
export interface PasswordRules {
  /** Length of generated passwords; between minLength and maxLength. */
  length: number;
  /** Shortest password the platform accepts (checked by checkPassword). */
  minLength: number;
  /** Longest password the platform accepts (checked by checkPassword). */
  maxLength: number;
  /** The character classes allowed; each is also required, minPerClass times. */
  classes: Array<CharClass>;
  /** Allowed symbol set (ASCII punctuation, no repeats); used when classes includes 'symbol'. */
  symbols: string;
  /** Minimum number of characters from each class in `classes`. */
  minPerClass: number;
  /** Max identical consecutive chars (1 means no character twice in a row); absent means no limit. */
  forbidRepeats?: number;
}

/** Random byte source: must return exactly n uniformly random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

/** Hard ceiling on lengths, far above any platform's, to keep generation cheap. */
export const MAX_PASSWORD_LENGTH = 256;
/** Symbols nearly every platform accepts and no shell or CSV quoting trips over. */
export const SAFE_SYMBOLS = '!@#$%^&*';

const CLASS_CHARS: Readonly<Record<Exclude<CharClass, 'symbol'>, string>> = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digit: '0123456789',
};
const CLASS_LABELS: Readonly<Record<CharClass, string>> = {
  lower: 'lowercase letter(s)',
  upper: 'uppercase letter(s)',
  digit: 'digit(s)',
  symbol: 'symbol(s)',
};
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]*$/;
/** Consecutive rejections after which the random source is taken to be broken (odds < 2^-1000 otherwise). */
const MAX_REJECTIONS = 1000;
const MAX_ATTEMPTS = 50;

/** Rules that cannot hold: `detail` a catalogue key (detail.rules*) filled with `params` (also passed on by policy validation). */
function invalidRules(detail: MessageKey, params: Record<string, string | number> = {}): GmvError {
  return new GmvError('INVALID_INPUT', { ...params, what: 'what.passwordRules', detail });
}

function charsOf(rules: PasswordRules, cls: CharClass): string {
  return cls === 'symbol' ? rules.symbols : CLASS_CHARS[cls];
}

function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * Throw INVALID_INPUT unless the rules are coherent and satisfiable: lengths ordered and bounded,
 * classes known and distinct, symbols distinct ASCII punctuation, class minimums that fit the
 * length, and a repeat limit that the allowed characters can honour.
 */
export function validateRules(rules: PasswordRules): void {
  const { length, minLength, maxLength, classes, symbols, minPerClass, forbidRepeats } = rules;
  if (!isWhole(length) || !isWhole(minLength) || !isWhole(maxLength)) throw invalidRules('detail.rulesLengthsWhole');
  if (!(minLength >= 1 && minLength <= length && length <= maxLength && maxLength <= MAX_PASSWORD_LENGTH)) {
    throw invalidRules('detail.rulesLengthOrder', { longest: MAX_PASSWORD_LENGTH });
  }
  if (!Array.isArray(classes) || classes.length === 0) throw invalidRules('detail.rulesNoClass');
  if (classes.some((c) => !(CHAR_CLASSES as readonly string[]).includes(c))) throw invalidRules('detail.rulesClassUnknown', { classes: CHAR_CLASSES.join(', ') });
  if (new Set(classes).size !== classes.length) throw invalidRules('detail.rulesClassTwice');
  if (typeof symbols !== 'string' || !ASCII_PUNCTUATION.test(symbols)) throw invalidRules('detail.rulesSymbolsAscii');
  if (new Set(symbols).size !== symbols.length) throw invalidRules('detail.rulesSymbolTwice');
  if (classes.includes('symbol') && symbols.length === 0) throw invalidRules('detail.rulesSymbolsEmpty');
  if (!isWhole(minPerClass) || minPerClass < 0) throw invalidRules('detail.rulesMinPerClass');
  if (minPerClass * classes.length > length) throw invalidRules('detail.rulesClassesFit', { count: classes.length, each: minPerClass, chars: length });
  if (forbidRepeats === undefined) return;
  if (!isWhole(forbidRepeats) || forbidRepeats < 1) throw invalidRules('detail.rulesForbidRepeats');
  const alphabet = alphabetOf(rules);
  if (alphabet.length === 1 && length > forbidRepeats) throw invalidRules('detail.rulesSingleChar');
  for (const cls of classes) {
    // A one-character class needed k times must be split into runs of at most forbidRepeats by other characters.
    if (charsOf(rules, cls).length !== 1 || alphabet.length === 1) continue;
    const separators = Math.ceil(minPerClass / forbidRepeats) - 1;
    if (separators > length - minPerClass) throw invalidRules('detail.rulesRepeatsApart', { copies: minPerClass, cls, chars: length });
  }
}

/** Every character the rules allow, class by class, without repeats. */
export function alphabetOf(rules: PasswordRules): string {
  return rules.classes.map((cls) => charsOf(rules, cls)).join('');
}

/**
 * A uniform integer in [0, n), n <= 2^32: draw just enough bytes, keep the low bits of the next
 * power of two, and reject values >= n. Never reduces a random value modulo n (that is biased).
 */
export function uniformIndex(n: number, random: RandomBytes): number {
  if (!isWhole(n) || n < 1 || n > 2 ** 32) throw new GmvError('INTERNAL', { detail: 'detail.uniformIndexRange' });
  if (n === 1) return 0;
  const bits = 32 - Math.clz32(n - 1);
  const bytes = Math.ceil(bits / 8);
  const mask = 2 ** bits - 1;
  for (let tries = 0; tries < MAX_REJECTIONS; tries += 1) {
    const drawn = random(bytes);
    if (drawn.length < bytes) throw new GmvError('INTERNAL', { detail: 'detail.randomShort' });
    let value = 0;
    for (let i = 0; i < bytes; i += 1) value = value * 256 + (drawn[i] ?? 0);
    const candidate = bits === 32 ? value : value & mask;
    if (candidate < n) return candidate;
  }
  throw new GmvError('INTERNAL', { detail: 'detail.randomBroken' });
}

/** Unbiased in-place Fisher–Yates shuffle. */
export function shuffleInPlace<T>(items: T[], random: RandomBytes): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = uniformIndex(i + 1, random);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}

function pick(chars: string, random: RandomBytes): string {
  return chars[uniformIndex(chars.length, random)] as string;
}

/** Number of windows of limit+1 identical consecutive characters (0 when the repeat rule holds). */
function runViolations(chars: readonly string[], limit: number | undefined): number {
  if (limit === undefined) return 0;
  let violations = 0;
  let run = 0;
  for (let i = 0; i < chars.length; i += 1) {
    run = i > 0 && chars[i] === chars[i - 1] ? run + 1 : 1;
    if (run > limit) violations += 1;
  }
  return violations;
}

function firstViolation(chars: readonly string[], limit: number): number {
  let run = 0;
  for (let i = 0; i < chars.length; i += 1) {
    run = i > 0 && chars[i] === chars[i - 1] ? run + 1 : 1;
    if (run > limit) return i;
  }
  return -1;
}

interface Slot {
  char: string;
  /** What the slot may be redrawn from: its class for a class minimum, else the whole alphabet. */
  pool: string;
}

/** Swap slot `at` with some other slot (tried in random order) if that lowers the number of violations. */
function swapAway(slots: Slot[], at: number, limit: number, random: RandomBytes): boolean {
  const count = () => runViolations(slots.map((s) => s.char), limit);
  const before = count();
  const partners = slots.map((_, q) => q).filter((q) => slots[q]?.char !== slots[at]?.char);
  shuffleInPlace(partners, random);
  for (const q of partners) {
    [slots[at], slots[q]] = [slots[q] as Slot, slots[at] as Slot];
    if (count() < before) return true;
    [slots[at], slots[q]] = [slots[q] as Slot, slots[at] as Slot];
  }
  return false;
}

/**
 * Break runs longer than the limit without touching class minimums: the first offending slot is
 * redrawn (uniformly) from its own pool minus the character it repeats, which moves the first
 * violation strictly to the right; a slot whose class has a single character is swapped elsewhere
 * instead. Runs are rare with realistic rules; returns false if stuck so the caller starts over.
 */
function repairRuns(slots: Slot[], limit: number, random: RandomBytes): boolean {
  for (let step = 0; step < slots.length * 4; step += 1) {
    const chars = slots.map((s) => s.char);
    const at = firstViolation(chars, limit);
    if (at < 0) return true;
    const slot = slots[at] as Slot;
    const choices = [...slot.pool].filter((c) => c !== chars[at - 1]);
    if (choices.length > 0) slot.char = choices[uniformIndex(choices.length, random)] as string;
    else if (!swapAway(slots, at, limit, random)) return false;
  }
  return firstViolation(slots.map((s) => s.char), limit) < 0;
}

/**
 * Generate a password of exactly `rules.length` characters that passes checkPassword: minPerClass
 * characters from each class, the rest from the whole allowed alphabet, all positions shuffled.
 * Throws INVALID_INPUT for incoherent rules, or rules too tight to meet after repeated attempts.
 */
export function generatePassword(rules: PasswordRules, random: RandomBytes): string {
  validateRules(rules);
  const alphabet = alphabetOf(rules);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const slots: Slot[] = [];
    for (const cls of rules.classes) {
      const chars = charsOf(rules, cls);
      for (let k = 0; k < rules.minPerClass; k += 1) slots.push({ char: pick(chars, random), pool: chars });
    }
    while (slots.length < rules.length) slots.push({ char: pick(alphabet, random), pool: alphabet });
    shuffleInPlace(slots, random);
    if (rules.forbidRepeats !== undefined && !repairRuns(slots, rules.forbidRepeats, random)) continue;
    const password = slots.map((s) => s.char).join('');
    if (checkPassword(password, rules).ok) return password;
  }
  throw invalidRules('detail.rulesUnsatisfiable');
}

/**
 * Check a password (typed, imported or generated) against the rules. The reason names the rule that
 * failed, never the password or any of its characters.
 */
export function checkPassword(pw: string, rules: PasswordRules): { ok: true } | { ok: false; reason: string } {
  validateRules(rules);
  const chars = [...pw];
  if (chars.length < rules.minLength) return { ok: false, reason: `shorter than ${rules.minLength} characters` };
  if (chars.length > rules.maxLength) return { ok: false, reason: `longer than ${rules.maxLength} characters` };
  const counts = new Map<CharClass, number>();
  for (const ch of chars) {
    const cls = rules.classes.find((c) => charsOf(rules, c).includes(ch));
    if (cls === undefined) {
      const allowed = rules.classes.map((c) => (c === 'symbol' ? `symbols ${rules.symbols}` : c)).join(', ');
      return { ok: false, reason: `contains characters that are not allowed (allowed: ${allowed})` };
    }
    counts.set(cls, (counts.get(cls) ?? 0) + 1);
  }
  for (const cls of rules.classes) {
    if ((counts.get(cls) ?? 0) < rules.minPerClass) return { ok: false, reason: `needs at least ${rules.minPerClass} ${CLASS_LABELS[cls]}` };
  }
  if (runViolations(chars, rules.forbidRepeats) > 0) return { ok: false, reason: `has more than ${rules.forbidRepeats} identical characters in a row` };
  return { ok: true };
}

/** Platforms gmv knows the password rules of (Art. 8 account register). */
export const PLATFORMS = ['weibo', 'wechat-oa', 'wechat-channels', 'douyin', 'toutiao', 'kuaishou', 'bilibili', 'xiaohongshu', 'app', 'website', 'other'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Letters and digits only, 8–16: the most widely accepted shape of password. */
function alphanumeric(): PasswordRules {
  return { length: 16, minLength: 8, maxLength: 16, classes: ['lower', 'upper', 'digit'], symbols: '', minPerClass: 1, forbidRepeats: 2 };
}

/** Letters, digits and SAFE_SYMBOLS, for systems whose rules the organisation sets itself. */
function withSymbols(maxLength: number): PasswordRules {
  return { length: 16, minLength: 8, maxLength, classes: ['lower', 'upper', 'digit', 'symbol'], symbols: SAFE_SYMBOLS, minPerClass: 1, forbidRepeats: 2 };
}

/**
 * Conservative defaults per platform: 16 characters, at least one lower, upper and digit, at most two
 * identical characters in a row. None of the third-party platforms' rules has been verified against
 * its live password form (third-party write-ups disagree on lengths and on which symbols are taken),
 * so they all get letters and digits only within 8–16, which every one of them is expected to accept;
 * 16 random alphanumerics are ~95 bits, strong enough without symbols. Add symbols per account once a
 * platform's form is known to take them. Fresh objects: callers may copy and adjust them.
 */
export const DEFAULT_PLATFORM_RULES: Record<Platform, PasswordRules> = {
  // Unverified: Weibo is widely reported to take symbols, but not which; kept alphanumeric.
  weibo: alphanumeric(),
  // Unverified: mp.weixin.qq.com is reported to take "letters, digits or English symbols", min 8.
  'wechat-oa': alphanumeric(),
  // Channels log in through WeChat; a password here is for a related back office. Unverified.
  'wechat-channels': alphanumeric(),
  // Unverified for all of these; alphanumeric 8–16 is the safe common ground.
  douyin: alphanumeric(),
  toutiao: alphanumeric(),
  kuaishou: alphanumeric(),
  bilibili: alphanumeric(),
  xiaohongshu: alphanumeric(),
  // The organisation's own apps and websites: it sets the rules; common symbols and up to 20 are usual.
  app: withSymbols(20),
  website: withSymbols(20),
  // Unknown platform: the most conservative shape.
  other: alphanumeric(),
};
