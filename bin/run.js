#!/usr/bin/env node
// Entry point of `gmv`. `--version`, the hot commands that only need the session agent (whoami,
// secret show, otp), `audit verify`, `grant add` (bulk grants) and the long listings (`account list`,
// `grant list`, `audit log`) are answered before oclif is imported: they run often or on large logs, and importing the
// framework (and, for the first ones, the database driver) would several times their cost.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);

// A reader that went away (`gmv grant add … --json | head`) stops what is printed, not the command:
// the write fails quietly instead of as an unhandled error with a stack trace, and the command ends
// as it would have, with its own exit code. The long listings watch for it themselves and stop
// reading the vault (fast/output.ts#writeOut): while another listener is there, this one leaves it to them.
process.stdout.on('error', (error) => {
  if (process.stdout.listenerCount('error') > 1) return;
  if (error.code !== 'EPIPE') throw error;
});

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`govmedia-vault/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  const fast = ['whoami', 'secret', 'otp'].includes(argv[0]) ? await import('../lib/src/agent/fast-path.js')
    : argv[0] === 'audit' && argv[1] === 'verify' ? await import('../lib/src/fast/audit-verify.js')
      : argv[0] === 'grant' && argv[1] === 'add' ? await import('../lib/src/fast/grant-add.js')
        : ['account list', 'grant list', 'audit log'].includes(argv.slice(0, 2).join(' ')) ? await import('../lib/src/fast/listings.js') : null;
  const args = fast?.parseFastArgs(argv);
  // null: the fast path found it needs the full CLI (a listing of a vault this gmv upgrades first).
  const code = fast && args ? await fast.runFast(args, process.env) : null;
  if (code !== null) {
    process.exitCode = code;
  } else {
    const { execute } = await import('@oclif/core');
    await execute({ dir: import.meta.url });
  }
}
