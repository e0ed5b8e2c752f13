/**
 * The filterable columns of every entry (action, actor, time, outcome, seq, subject) must say what its
 * hashed body says, or `gmv audit log --actor …` could hide an entry. Bodies are canonical JSON with
 * sorted keys, so the database itself can compare each body with the prefix and suffix the columns
 * imply, in one pass, without handing every column of every row to JavaScript. The body itself is
 * authenticated by the Merkle root; this check only ties the columns to it.
 */
import type { Reader } from '../store/reader.js';

// The exact comparison: each column as JSON text, the way JSON.stringify writes it (SQLite's
// json_quote and PostgreSQL's to_json escape the same characters: ", \ and control characters).
const EXACT_HEAD = `'{"action":' || json_quote(action) || ',"actor":' || json_quote(actor) || ',"at":' || json_quote(at) || ',"details":'`;
const EXACT_TAIL = `',"outcome":' || json_quote(outcome) || ',"seq":' || seq || ',"subject":' || json_quote(subject) || ',"v":1,"vault":' || @vault || '}'`;
// The same texts without json_quote, and found with instr instead of substr (which counts the
// characters of the whole body). They equal the exact texts when no column holds a
// quote or a backslash, which the guard requires; a row failing them gets the exact comparison.
const PLAIN = `(action || coalesce(actor, '') || at || outcome || coalesce(subject, ''))`;
const FAST_HEAD = `'{"action":"' || action || '","actor":' || coalesce('"' || actor || '"', 'null') || ',"at":"' || at || '","details":'`;
const FAST_TAIL = `',"outcome":"' || outcome || '","seq":' || seq || ',"subject":' || coalesce('"' || subject || '"', 'null') || ',"v":1,"vault":' || @vault || '}'`;

const SQLITE = `select min(seq) from audit_entries where body is not null
  and not (instr(${PLAIN}, '"') = 0 and instr(${PLAIN}, '\\') = 0
    and instr(body, ${FAST_HEAD}) = 1 and instr(body, ${FAST_TAIL}) = length(body) - length(${FAST_TAIL}) + 1)
  and not (length(body) >= length(${EXACT_HEAD}) + length(${EXACT_TAIL})
    and substr(body, 1, length(${EXACT_HEAD})) = ${EXACT_HEAD} and substr(body, -length(${EXACT_TAIL})) = ${EXACT_TAIL})`;

const POSTGRES = `select min(seq) from (select seq, body,
    '{"action":' || to_json(action)::text || ',"actor":' || coalesce(to_json(actor)::text, 'null') || ',"at":' || to_json(at)::text || ',"details":' as head,
    ',"outcome":' || to_json(outcome)::text || ',"seq":' || seq || ',"subject":' || coalesce(to_json(subject)::text, 'null') || ',"v":1,"vault":' || ? || '}' as tail
  from audit_entries where body is not null) t
  where length(body) < length(head) + length(tail) or left(body, length(head)) <> head or right(body, length(tail)) <> tail`;

/** The first entry whose columns disagree with its body, or null. */
export async function firstColumnMismatch(reader: Reader, vaultId: string): Promise<number | null> {
  const vault = JSON.stringify(vaultId);
  const [row] = reader.dialect === 'sqlite' ? await reader.rows(SQLITE, [{ vault }]) : await reader.rows(POSTGRES, [vault]);
  const seq = row?.[0];
  return seq === null || seq === undefined ? null : Number(seq);
}
