/**
 * Patterns in a policy pack must match whole values and must not backtrack exponentially: every
 * pattern is anchored (^…$) and no quantified group holds a quantifier of its own ((a+)+, (a*b?)*).
 */

export type RegexProblem = 'invalid' | 'unanchored' | 'catastrophic';

/** Why a policy pattern is refused, or null when it is safe to run on untrusted names. */
export function regexProblem(pattern: string): RegexProblem | null {
  try {
    new RegExp(pattern, 'u');
  } catch {
    return 'invalid';
  }
  if (!pattern.startsWith('^') || !endsWithAnchor(pattern)) return 'unanchored';
  return hasNestedQuantifier(pattern) ? 'catastrophic' : null;
}

function endsWithAnchor(pattern: string): boolean {
  if (!pattern.endsWith('$')) return false;
  let backslashes = 0;
  for (let i = pattern.length - 2; i >= 0 && pattern[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

/** The length of a quantifier starting at `i` and whether it repeats more than once, or null. */
function quantifierAt(pattern: string, i: number): { length: number; repeats: boolean } | null {
  const c = pattern[i];
  if (c === '*' || c === '+') return { length: 1, repeats: true };
  if (c === '?') return { length: 1, repeats: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (!m) return null;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    return { length: m[0].length, repeats: max > 1 };
  }
  return null;
}

function hasNestedQuantifier(pattern: string): boolean {
  // One flag per open group: does its content hold a quantifier?
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      groups.push(false);
      if (pattern[i + 1] === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>
        const m = /^\?(<[A-Za-z_$][\w$]*>|<=|<!|[:=!])/.exec(pattern.slice(i + 1));
        i += m ? m[0].length : 1;
      }
      continue;
    }
    if (c === ')') {
      const inner = groups.pop() ?? false;
      const q = quantifierAt(pattern, i + 1);
      if (inner && q?.repeats) return true;
      if (groups.length > 0 && (inner || q)) groups[groups.length - 1] = true;
      if (q) i += q.length;
      continue;
    }
    const q = quantifierAt(pattern, i);
    if (q) {
      if (groups.length > 0) groups[groups.length - 1] = true;
      i += q.length - 1;
    }
  }
  return false;
}
