// Secrets come from the process environment, then from `.env`; nothing else reads them.
import { existsSync, readFileSync } from 'node:fs';
import type { Credentials } from '../nodes/api';

export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    let value = match[2];
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[match[1]] = value;
  }
  return out;
}

export function createCredentials(env: NodeJS.ProcessEnv = process.env, dotEnvPath = '.env'): Credentials {
  const fromFile = existsSync(dotEnvPath) ? parseDotEnv(readFileSync(dotEnvPath, 'utf8')) : {};
  return {
    get(name) {
      const value = env[name] ?? fromFile[name];
      return value === '' ? undefined : value;
    },
  };
}
