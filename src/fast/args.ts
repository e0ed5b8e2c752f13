/** Flag parsing for the fast paths that answer before oclif loads (see bin/run.js), and for the commands. */
import { GmvError } from '../errors.js';
import { parseUntilInput } from '../domain/dates.js';

export interface FlagSpec {
  /** Flags without a value, e.g. --json. */
  booleans: readonly string[];
  /** Flags with a value, each with its allowed values (null: any). */
  values: Readonly<Record<string, readonly string[] | null>>;
}

export interface ParsedFlags {
  booleans: Set<string>;
  values: Map<string, string>;
  positionals: string[];
}

/**
 * The flags and positional arguments, or null when anything is beyond the fast path (an unknown flag,
 * a missing, repeated or disallowed value): the full CLI then parses the same arguments and explains.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags | null {
  const parsed: ParsedFlags = { booleans: new Set(), values: new Map(), positionals: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [name, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (spec.booleans.includes(name) && inline === undefined) {
      if (parsed.booleans.has(name)) return null;
      parsed.booleans.add(name);
    } else if (Object.hasOwn(spec.values, name)) {
      const value = inline ?? args[++i];
      const allowed = spec.values[name];
      if (value === undefined || (allowed && !allowed.includes(value))) return null;
      // oclif refuses a flag given twice ("can only be specified once") and a flag where a value
      // belongs ("expects a value"): leave both to it, never let the last value silently win.
      if (parsed.values.has(name) || (inline === undefined && value.startsWith('-'))) return null;
      parsed.values.set(name, value);
    } else if (!name.startsWith('-')) parsed.positionals.push(name);
    else return null;
  }
  return parsed;
}

/** The global flags every fast path accepts, as the full CLI does. */
export const GLOBAL_FLAGS: FlagSpec = { booleans: ['--json'], values: { '--vault': null, '--lang': ['en', 'zh-CN'] } };

/**
 * An end given as a flag: a day includes all of that day in China (`--until 2026-12-31` lasts until
 * 2026-12-31 23:59:59.999 +08:00); a timestamp is taken as it is. USAGE (exit 2) for anything else.
 */
export function untilFlag(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const until = parseUntilInput(value);
  if (!until) throw new GmvError('USAGE', { detail: `--${name} ${value}: expected YYYY-MM-DD or an ISO-8601 timestamp` });
  return until;
}
