/** Flag parsing for the fast paths that answer before oclif loads (see bin/run.js), and for the commands. */

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
