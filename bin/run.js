#!/usr/bin/env node
// Entry point of `gmv`. `--version` and `whoami` are answered before oclif is imported: they run
// often (scripts, prompts, health checks), and importing the framework would triple their cost.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
let fast;

/** `gmv whoami` only asks the session agent: answer it without loading the CLI framework. */
async function fastPath() {
  const module = await import('../dist/src/agent/fast-whoami.js');
  const args = module.parseFastArgs(argv.slice(1));
  return args && { ...module, args };
}
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`govmedia-vault/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else if (argv[0] === 'whoami' && (fast = await fastPath())) {
  process.exitCode = await fast.fastWhoami(fast.args, process.env);
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
