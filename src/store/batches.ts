/**
 * Bulk reads and writes go in slices of a few hundred rows: one statement per slice instead of one
 * per row, well inside SQLite's (32,766) and PostgreSQL's (65,535) bound-parameter limits for rows
 * of a dozen columns.
 */

/** Rows (or keys in an `in (…)` list) per statement. */
export const ROWS_PER_STATEMENT = 500;

/** `items` in consecutive slices of at most `size`, in order. */
export function inBatches<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
