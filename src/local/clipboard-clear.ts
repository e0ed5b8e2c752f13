/** Detached helper of `gmv secret show --clip`: waits, then clears the clipboard if it was not changed. */
import { clearIfUnchanged, type ClipboardTool } from './clipboard.js';

let input = '';
process.stdin.setEncoding('utf8').on('data', (d: string) => (input += d)).on('end', () => {
  const { tool, seconds, digest } = JSON.parse(input) as { tool: ClipboardTool; seconds: number; digest: string };
  setTimeout(() => clearIfUnchanged(tool, digest, process.env), seconds * 1000);
});
