/**
 * What the verifier's scan cannot see for itself, checked by the database in one pass over every
 * entry: the filterable columns (action, actor, time, outcome, seq, subject) must say what the hashed
 * body says, or `gmv audit log --actor …` could hide an entry; every value must be stored as text;
 * and a pruned entry must keep nothing but a well-formed leaf hash. Bodies are canonical JSON with
 * sorted keys, so each body is compared with the prefix and suffix its columns imply, without handing
 * every column of every row to JavaScript. The body itself is authenticated by the Merkle root.
 */
import type { Reader } from '../store/reader.js';

export interface RowProblem {
  seq: number;
  detail: 'detail.columnsChanged' | 'detail.prunedHashMalformed';
}

// The exact comparison: each column as JSON text, the way JSON.stringify writes it (SQLite's
// json_quote and PostgreSQL's to_json escape the same characters: ", \ and control characters).
const EXACT_HEAD = `'{"action":' || json_quote(action) || ',"actor":' || json_quote(actor) || ',"at":' || json_quote(at) || ',"details":'`;
const EXACT_TAIL = `',"outcome":' || json_quote(outcome) || ',"seq":' || seq || ',"subject":' || json_quote(subject) || ',"v":1,"vault":' || @vault || '}'`;
// PostgreSQL's fast form (below): the same texts without to_json, equal to the exact ones when no
// column holds a quote or a backslash.
const FAST_HEAD = `'{"action":"' || action || '","actor":' || coalesce('"' || actor || '"', 'null') || ',"at":"' || at || '","details":'`;
const FAST_TAIL = `',"outcome":"' || outcome || '","seq":' || seq || ',"subject":' || coalesce('"' || subject || '"', 'null') || ',"v":1,"vault":' || @vault || '}'`;
// A BLOB compares unequal to the text it concatenates as, and would drop out of filters.
const SQLITE_TEXT = `typeof(body) = 'text' and typeof(action) = 'text' and typeof(at) = 'text' and typeof(outcome) = 'text'
    and typeof(actor) in ('text', 'null') and typeof(subject) in ('text', 'null') and typeof(seq) = 'integer'`;
// SQLite compares the exact texts only: substr() of a text counts the characters of the whole body,
// so the head is found with instr (= 1: the body starts with it) and the tail and the lengths are
// taken as bytes (a BLOB's substr and length count bytes, without a walk over the body; a body
// shorter than the tail comes back whole and unequal). Bytes are equal exactly where texts are.
const BODY_BYTES = 'cast(body as blob)';
const SQLITE_EXACT = `instr(body, ${EXACT_HEAD}) = 1 and substr(${BODY_BYTES}, -length(cast(${EXACT_TAIL} as blob))) = cast(${EXACT_TAIL} as blob)
    and length(${BODY_BYTES}) >= length(cast(${EXACT_HEAD} as blob)) + length(cast(${EXACT_TAIL} as blob))`;
// CASE, unlike AND and OR, evaluates only the branch it takes: json_quote never sees a BLOB. A NULL
// (a column whose NOT NULL was dropped) never counts as a match: coalesce(…, 0).
const SQLITE = `select seq, body is null from audit_entries where
  case when body is null then not coalesce(typeof(leaf_hash) = 'text' and length(leaf_hash) = 64 and leaf_hash not glob '*[^0-9a-fA-F]*', 0)
    when not coalesce(${SQLITE_TEXT}, 0) then 1
    else not coalesce(${SQLITE_EXACT}, 0) end
  order by seq limit 1`;

// PostgreSQL: a fast form before the exact one. to_json is slow there, and right() counts the characters of the
// whole body, so the fast form anchors the suffix with LIKE, trusted only when no column holds a
// quote, a backslash or a LIKE wildcard (% _); a boolean that is NULL never counts as a match.
const PG_PLAIN = `action || coalesce(actor, '') || at || outcome || coalesce(subject, '')`;
const PG_FAST = `strpos(plain, '"') = 0 and strpos(plain, '\\') = 0 and strpos(plain, '%') = 0 and strpos(plain, '_') = 0
      and length(body) >= length(fast_head) + length(fast_tail) and starts_with(body, fast_head) and body like '%' || fast_tail`;
const PG_EXACT_HEAD = `'{"action":' || to_json(action)::text || ',"actor":' || coalesce(to_json(actor)::text, 'null') || ',"at":' || to_json(at)::text || ',"details":'`;
const PG_EXACT_TAIL = `',"outcome":' || to_json(outcome)::text || ',"seq":' || seq || ',"subject":' || coalesce(to_json(subject)::text, 'null') || ',"v":1,"vault":' || ? || '}'`;
const POSTGRES = `select seq, body is null from (select seq, body, leaf_hash, action, actor, at, outcome, subject, ${PG_PLAIN} as plain,
    ${FAST_HEAD} as fast_head, ${FAST_TAIL.replace('@vault', '?')} as fast_tail
  from audit_entries) t
  where case when body is null then (leaf_hash ~ '^[0-9a-fA-F]{64}$') is not true
    when (${PG_FAST}) is true then false
    else (length(body) >= length(${PG_EXACT_HEAD}) + length(${PG_EXACT_TAIL})
      and starts_with(body, ${PG_EXACT_HEAD}) and right(body, length(${PG_EXACT_TAIL})) = ${PG_EXACT_TAIL}) is not true end
  order by seq limit 1`;

/** The first entry whose stored form the scan cannot vouch for, or null. */
export async function firstRowProblem(reader: Reader, vaultId: string): Promise<RowProblem | null> {
  const vault = JSON.stringify(vaultId);
  const [row] = reader.dialect === 'sqlite'
    ? await reader.rows(SQLITE, [{ vault }])
    : await reader.rows(POSTGRES, Array.from({ length: POSTGRES.split('?').length - 1 }, () => vault));
  if (!row) return null;
  return { seq: Number(row[0]), detail: row[1] === true || Number(row[1]) === 1 ? 'detail.prunedHashMalformed' : 'detail.columnsChanged' };
}
