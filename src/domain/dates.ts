/** One day in milliseconds (civil days here are counted in whole UTC days). */
export const DAY_MS = 86_400_000;

/** Dates users type: YYYY-MM-DD means midnight in China Standard Time (UTC+8); full ISO-8601 timestamps pass through. */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Parse a date or timestamp; null when it is not one (including impossible days like 2026-02-30). */
export function parseDateInput(value: string): Date | null {
  const day = DAY.exec(value);
  if (day) {
    const date = new Date(`${value}T00:00:00+08:00`);
    if (Number.isNaN(date.getTime())) return null;
    const check = new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    return check === value ? date : null;
  }
  if (!STAMP.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
