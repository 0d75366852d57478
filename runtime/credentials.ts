// Secrets come from the process environment, then from `.env`; nothing else reads them.
// `.env` is parsed by Node itself (util.parseEnv) and can be read again while the server runs.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Credentials } from '../nodes/api';

export interface ReloadableCredentials extends Credentials {
  /** Reads `.env` again (the process environment still wins over it). */
  reload(): void;
}

function readDotEnv(path: string): Record<string, string | undefined> {
  return existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
}

/** `.env` is ATELIER_ENV_FILE when set (e.g. secrets kept outside the checkout). */
export function createCredentials(env: NodeJS.ProcessEnv = process.env, dotEnvPath = env.ATELIER_ENV_FILE || '.env'): ReloadableCredentials {
  let fromFile = readDotEnv(dotEnvPath);
  return {
    get(name) {
      const value = env[name] ?? fromFile[name];
      return value === '' ? undefined : value;
    },
    reload() {
      fromFile = readDotEnv(dotEnvPath);
    },
  };
}
