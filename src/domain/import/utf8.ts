/**
 * Export files must be UTF-8: a Latin-1 or GBK file read as UTF-8 turns every accented or Chinese
 * character into U+FFFD, and the import would store mangled names and passwords without a word.
 */

/** The text of `bytes` (a leading BOM dropped), or the first line (1-based) that is not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { badLine: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { badLine: firstBadLine(bytes) };
  }
}

function firstBadLine(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      decoder.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line++;
    start = i + 1;
  }
  return line;
}
