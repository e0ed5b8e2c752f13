/**
 * Start the agent as a detached process and hand it the unlocked key over a pipe. The agent runs
 * under a core-file limit of 0 (soft and hard, set by the shell before it becomes Node), so no
 * crash or SIGABRT can write the key into a core file, and in `/` so it creates nothing where the
 * user works.
 */
import { spawn } from 'node:child_process';
import { GmvError } from '../errors.js';
import { bundleFile } from '../package-root.js';
import { encodeBoot, type AgentBoot } from './protocol.js';

/** `key` is the binary private key; it is zeroed here once written to the pipe. */
export function startAgent(boot: AgentBoot, key: Uint8Array): Promise<void> {
  const main = bundleFile('src/agent/main.js');
  // Node cannot lower its own rlimits: the shell does it and then becomes the agent (exec), so the
  // agent can never raise the hard limit again. If ulimit fails, nothing starts.
  const child = spawn('/bin/sh', ['-c', 'ulimit -c 0 && exec "$0" "$1"', process.execPath, main], {
    detached: true, cwd: '/', stdio: ['pipe', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '' },
  });
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
        reject(new GmvError('INTERNAL', { detail: 'detail.agentNotStarted', reason: out.trim() }));
      }
    });
    child.on('error', (error) => reject(new GmvError('INTERNAL', { detail: 'detail.agentNotStarted', reason: error.message })));
    child.on('exit', (code) => reject(new GmvError('INTERNAL', { detail: 'detail.agentExited', status: String(code) })));
    const header = encodeBoot(boot);
    child.stdin!.write(header);
    child.stdin!.end(key, () => key.fill(0));
  });
}
