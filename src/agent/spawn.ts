/** Start the agent as a detached process and hand it the unlocked key over a pipe. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GmvError } from '../errors.js';
import type { AgentBoot } from './protocol.js';

export function startAgent(boot: AgentBoot): Promise<void> {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [main], { detached: true, stdio: ['pipe', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.startsWith('ready\n')) {
        child.stdout!.destroy();
        child.unref();
        resolve();
      } else if (out.includes('\n')) {
        reject(new GmvError('INTERNAL', { detail: `session agent did not start: ${out.trim()}` }));
      }
    });
    child.on('error', (error) => reject(new GmvError('INTERNAL', { detail: `session agent did not start: ${error.message}` })));
    child.on('exit', (code) => reject(new GmvError('INTERNAL', { detail: `session agent exited (${code})` })));
    child.stdin!.end(JSON.stringify(boot));
  });
}
