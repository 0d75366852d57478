// A real Atelier server on 127.0.0.1 (random port) with a temp data dir and a temp copy of flows/.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyNodeDefinition } from '../../nodes/api';
import type { Atelier } from '../../runtime/atelier';
import { startServer } from '../../runtime/server/serve';

export interface TestServer {
  url: string;
  dataDir: string;
  flowsDir: string;
  atelier: Atelier;
  /** What the server logged so far. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  nodes?: AnyNodeDefinition[];
  dataDir?: string;
  flowsDir?: string;
  token?: string;
  host?: string;
  /** Keep the dirs after close (to restart on the same data). */
  keep?: boolean;
  keepAliveMs?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), 'atelier-server-'));
  const dataDir = options.dataDir ?? join(root, 'data');
  let flowsDir = options.flowsDir;
  if (!flowsDir) {
    flowsDir = join(root, 'flows');
    cpSync('flows', flowsDir, { recursive: true });
  }
  const logs: string[] = [];
  const server = await startServer({
    dataDir,
    flowsDir,
    host: options.host ?? '127.0.0.1',
    port: 0,
    token: options.token,
    env: { ...(options.env ?? {}) },
    nodes: options.nodes,
    keepAliveMs: options.keepAliveMs,
    log: (message) => logs.push(message),
  });
  return {
    url: server.url,
    dataDir,
    flowsDir,
    atelier: server.atelier,
    logs,
    async close() {
      await server.close();
      if (!options.keep) rmSync(root, { recursive: true, force: true });
    },
  };
}
