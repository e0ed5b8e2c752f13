/** Entry point of the agent process that `gmv login` starts: boot data arrives on standard input. */
import { runAgent } from './server.js';
import type { AgentBoot } from './protocol.js';

const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  const raw = Buffer.concat(chunks);
  const boot = JSON.parse(raw.toString('utf8')) as AgentBoot;
  raw.fill(0);
  for (const c of chunks) c.fill(0);
  process.title = 'gmv-agent';
  runAgent(boot, () => {
    process.stdout.write('ready\n');
    // Detach from the parent's pipes: nothing more is ever written.
    process.stdout.end();
  }).catch((error: unknown) => {
    process.stdout.write(`error ${(error as Error).message}\n`);
    process.exit(1);
  });
});
