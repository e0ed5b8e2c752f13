/** Files shipped with the package (policy packs), found from this module's location in src/ or dist/src/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'policies'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('gmv package root not found');
    dir = parent;
  }
  cached = dir;
  return dir;
}

export function shippedFile(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/**
 * A file of the bundle the CLI runs (lib/, scripts/build.mjs): a script gmv starts as a process or
 * worker of its own (the session agent, the audit verifier's worker, the clipboard clearer), named
 * by its path under dist/, or the build id. The bundle's shared chunks do not sit beside the entry
 * files, so a path relative to the calling module would miss: each such script keeps its dist/ path.
 */
export function bundleFile(path: string): string {
  return join(packageRoot(), 'lib', path);
}
