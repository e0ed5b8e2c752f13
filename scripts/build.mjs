// Build: clean dist/ (tsc leaves stale outputs), compile, bundle what the CLI runs into lib/, then
// write oclif.manifest.json so that oclif does not import every command module on every run.
//
// Why a bundle: on Node 20 every ES module file costs its own resolution, read and compile, and a
// command importing kysely alone loaded 280 files (about 140 ms, more than `node -e 0`). lib/ holds
// one file per entry (each command at its dist/ path, the fast paths, the scripts gmv starts as
// processes or workers) and shared chunks in lib/chunks/, with the dependencies bundled in except
// native addons (better-sqlite3's JavaScript is bundled, its addon loaded by path) and the few that
// load files of their own at run time (oclif, openpgp). pg is bundled into a chunk of its own, which
// only a command on PostgreSQL loads (store/driver.ts#loadPg). dist/ stays the plain compiler output,
// for the bench and for reading.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');
const lib = join(root, 'lib');
for (const dir of [dist, lib]) rmSync(dir, { recursive: true, force: true });
rmSync(join(root, 'oclif.manifest.json'), { force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });

// Entry files: every command (oclif imports them by path from the manifest), oclif's help class and
// hook, what bin/run.js imports before oclif, and the scripts started by path (package-root.ts#builtScript).
const walk = (dir, ending = '.js') => readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(dir, e.name), ending) : e.name.endsWith(ending) ? [join(dir, e.name)] : []);
const entries = [
  ...walk(join(dist, 'commands')),
  ...['cli/help.js', 'cli/hooks/not-found.js', 'src/agent/fast-path.js', 'src/fast/audit-verify.js', 'src/fast/listings.js', 'src/fast/grant-add.js',
    'src/agent/main.js', 'src/audit/verify-worker.js', 'src/services/backup-decrypt-worker.js', 'src/local/clipboard-clear.js'].map((f) => join(dist, f)),
];
const { rolldown } = await import('rolldown');
const bundle = await rolldown({
  input: Object.fromEntries(entries.map((f) => [relative(dist, f).replace(/\.js$/, ''), f])),
  platform: 'node',
  // Native addons, and packages that find files of their own at run time or load slower bundled
  // (oclif). better-sqlite3's JavaScript is bundled; its addon is loaded by path (store/driver.ts).
  external: /^(argon2|pg-native|openpgp|@oclif\/core)(\/|$)/,
  logLevel: 'warn',
});
// What a reveal loads before it asks the agent goes in two chunks: each further file costs the
// loader more than its code does (about half a millisecond each on Node 20). The agent request
// (node:net, node:crypto) is a chunk of its own, so the listings that share the rest do not load it.
const builtModule = (pattern) => new RegExp(`[\\\\/]dist[\\\\/]src[\\\\/](${pattern})\\.js$`);
await bundle.write({
  dir: lib, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js',
  codeSplitting: {
    groups: [
      { name: 'agent-request', test: builtModule('agent[\\\\/](protocol|request)') },
      { name: 'reveal-path', test: builtModule('local[\\\\/](paths|vault-target)|i18n[\\\\/]lang|fast[\\\\/](args|output|reveal-rule)|domain[\\\\/]terminal-text') },
      // What a listing loads besides: the messages, and the plain SQLite reader with its driver.
      { name: 'messages', test: builtModule('errors|i18n[\\\\/]catalogue|domain[\\\\/]dates') },
      { name: 'store-reader', test: (id) => builtModule('store[\\\\/](reader|driver|listings|schema-version)|fast[\\\\/]failure|local[\\\\/]vault-location').test(id) || /[\\/]node_modules[\\/](better-sqlite3|bindings|file-uri-to-path)[\\/]/.test(id) },
    ],
  },
});
await bundle.close();
// The build id: a digest of the bundle and the shipped packs. What gmv keeps between commands that
// depends on its own code (parsed policies, src/policy/policy-cache.ts) is keyed by it.
const built = createHash('sha256');
for (const file of [...walk(lib), ...walk(join(root, 'policies'), '')].sort()) {
  built.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0');
}
writeFileSync(join(lib, 'build-id'), `${built.digest('hex')}\n`);

const { Plugin } = await import('@oclif/core');
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
await plugin.load();
const count = Object.keys(plugin.manifest.commands).length;
if (count === 0) throw new Error('no commands found for the manifest');
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2));
process.stderr.write(`built dist/, lib/ (${entries.length} entries) and oclif.manifest.json (${count} commands)\n`);
