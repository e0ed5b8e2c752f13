/** Entry point of the agent process that `gmv login` starts: boot data and key arrive on standard input. */
import { readFileSync } from 'node:fs';
import { runAgent } from './server.js';
import { decodeBoot } from './protocol.js';

/** The shell that started us set RLIMIT_CORE to 0 (soft and hard); refuse to hold a key otherwise. */
function coreDumpsDisabled(): boolean {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max core file size'));
    return line !== undefined && /^Max core file size\s+0\s+0\s/.test(line);
  } catch {
    return false;
  }
}

const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  const raw = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  chunks.length = 0;
  process.title = 'gmv-agent';
  if (!coreDumpsDisabled()) {
    raw.fill(0);
    process.stdout.write('error core dumps are not disabled for the session agent\n');
    process.exit(1);
  }
  const { boot, key } = decodeBoot(raw);
  // The key's bytes now belong to the agent (openpgp.js may keep views into them): it zeroes them
  // when the session ends. Only the header is ours to clear.
  runAgent(boot, key, () => {
    raw.subarray(0, raw.length - key.length).fill(0);
    process.stdout.write('ready\n');
    // Detach from the parent's pipes: nothing more is ever written.
    process.stdout.end();
  }).catch((error: unknown) => {
    raw.fill(0);
    process.stdout.write(`error ${(error as Error).message}\n`);
    process.exit(1);
  });
});
