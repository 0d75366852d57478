// Starts the HTTP server: loopback by default; any other address needs ATELIER_TOKEN.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { createAtelier, type Atelier, type AtelierOptions } from '../atelier';
import { createApp } from './app';
import { isLoopback } from './auth';
import { listVariable, type BoundAddress } from './trust';
import { limitWebSocketServer } from './ws';

export interface ServeOptions extends AtelierOptions {
  host?: string;
  port?: number;
  token?: string;
  editorDir?: string;
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
  const atelier = createAtelier(options);
  const root = new Hono();
  const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app: root });
  limitWebSocketServer(wss);
  let bound: BoundAddress | undefined;
  const trust = { bound: () => bound, allowedHosts: listVariable(env.ATELIER_ALLOWED_HOSTS), allowedOrigins: listVariable(env.ATELIER_ALLOWED_ORIGINS) };
  root.route('/', createApp(atelier, { token, editorDir: options.editorDir, upgradeWebSocket, trust, log: options.log }));
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: root.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  });
  injectWebSocket(server);
  const address = server.address() as AddressInfo;
  bound = { host: address.address, port: address.port };
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    atelier,
    async close() {
      await atelier.runs.shutdown();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      atelier.store.close();
    },
  };
}
