/** Where gmv keeps things on this terminal (XDG base directories), resolved from an explicit environment. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface LocalPaths {
  /** Default SQLite vault file. */
  defaultVault: string;
  /** This terminal's device keys, one file per vault. */
  devicesDir: string;
  /** Where session agents put their sockets (XDG_RUNTIME_DIR, else under the config dir). */
  runtimeDir: string;
}

export function localPaths(env: NodeJS.ProcessEnv): LocalPaths {
  const home = env.HOME ?? homedir();
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  return {
    defaultVault: join(data, 'gmv', 'vault.db'),
    devicesDir: join(config, 'gmv', 'devices'),
    runtimeDir: env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'gmv') : join(config, 'gmv', 'run'),
  };
}
