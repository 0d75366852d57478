// Starts the HTTP server: loopback by default; any other address needs ATELIER_TOKEN.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { createAtelier, type Atelier, type AtelierOptions } from '../atelier';
import { retentionDays } from '../store/gc';
import { acquireLock } from '../store/lock';
import { createApp } from './app';
import { isLoopback } from './auth';
import { listVariable, type BoundAddress } from './trust';
import { lazyNodeWebSocket } from './lazy-ws';
import { startRetention } from './retention';
import { KEEP_ALIVE_MS } from './sse-keepalive';
import { nodeCatalog } from './routes/catalog';

export interface ServeOptions extends AtelierOptions {
  host?: string;
  port?: number;
  token?: string;
  editorDir?: string;
  /** How long an SSE stream or a `?wait=1` answer may stay silent before a keep-alive, and the WebSocket ping interval; default 15 s (tests shorten it). */
  keepAliveMs?: number;
}

export interface RunningServer {
  url: string;
  atelier: Atelier;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8787;

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const host = options.host ?? env.ATELIER_HOST ?? '127.0.0.1';
  const port = options.port ?? (env.ATELIER_PORT !== undefined ? Number(env.ATELIER_PORT) : DEFAULT_PORT);
  const token = options.token ?? (env.ATELIER_TOKEN || undefined);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`ATELIER_PORT must be a port number, got "${env.ATELIER_PORT}"`);
  if (!isLoopback(host) && !token) {
    throw new Error(`refusing to listen on ${host}: set ATELIER_TOKEN to require a bearer token when binding beyond loopback`);
  }
  const days = retentionDays(env);
  // One process per data dir: taken before the database is opened, so no second server marks this
  // one's live runs interrupted. Throws DataDirLocked naming the holder's pid and port.
  const lock = acquireLock(options.dataDir ?? env.ATELIER_DATA ?? './data', 'serve');
  let atelier: Atelier;
  try {
    atelier = createAtelier(options);
  } catch (error) {
    lock.release();
    throw error;
  }
  const log = options.log ?? ((message: string) => console.error(`[atelier] ${message}`));
  const retention = days === undefined ? undefined : startRetention(atelier, days, log);
  // TrieRouter, not Hono's default SmartRouter: that one compiles every route into RegExpRouter's one
  // regular expression at the first request (~5 ms the first GET /api/nodes waited for); the trie is
  // built as routes are added (~2 ms, before listening), matches the same way, and is Hono's own
  // fallback for paths the RegExpRouter cannot take.
  const root = new Hono({ router: new TrieRouter() });
  const webSockets = lazyNodeWebSocket(root, log, { heartbeatMs: options.keepAliveMs ?? KEEP_ALIVE_MS });
  const { upgradeWebSocket } = webSockets;
  const bound: { address?: BoundAddress } = {};
  const trust = { bound: () => bound.address, allowedHosts: listVariable(env.ATELIER_ALLOWED_HOSTS), allowedOrigins: listVariable(env.ATELIER_ALLOWED_ORIGINS) };
  root.route('/', createApp(atelier, { token, editorDir: options.editorDir, upgradeWebSocket, trust, log: options.log, keepAliveMs: options.keepAliveMs }));
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: root.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  }).catch(async (error: unknown) => {
    await retention?.close();
    await atelier.close();
    lock.release();
    throw error;
  });
  webSockets.injectWebSocket(server);
  const address = server.address() as AddressInfo;
  lock.setAddress(address.address, address.port, atelier.flows.dir);
  bound.address = { host: address.address, port: address.port };
  // The editor's first call is GET /api/nodes: the catalog (every saved flow parsed) is built now,
  // while that request is still on its way, instead of after it came.
  const warmCatalog = setImmediate(() => {
    try {
      nodeCatalog(atelier);
    } catch (error) {
      log(`building the node catalog failed (GET /api/nodes will answer the error): ${(error as Error).message}`);
    }
  });
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    atelier,
    async close() {
      clearImmediate(warmCatalog);
      await retention?.close();
      await atelier.runs.shutdown();
      webSockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      try {
        atelier.store.close();
      } catch (error) {
        // A disk that is full or gone at shutdown: what was still queued is lost, and the log says so.
        log(`closing the store: ${(error as Error).message}`);
      } finally {
        lock.release();
      }
    },
  };
}
