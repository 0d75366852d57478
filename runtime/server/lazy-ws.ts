// @hono/node-ws, loaded when the first WebSocket upgrade (or request to a WebSocket route) arrives or a
// second after start, not at start: it brings in the `ws` package (~40 ms), which the first answers of
// a starting `atelier serve` need not wait for.
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import { limitWebSocketServer } from './ws';
import { startHeartbeat } from './ws-heartbeat';

/** How long a closing server waits for clients to answer its close frame. */
const CLOSE_GRACE_MS = 1000;
/**
 * A server that no socket has reached yet loads WebSocket support after this, off its start: loaded
 * first under a flood of connections that took every file descriptor, the module fails for good
 * (Node keeps a failed resolution; the bundle a half-run module), and no editor could connect again.
 */
export const WS_PRELOAD_AFTER_MS = 1000;

export interface LazyWebSocketOptions {
  heartbeatMs: number;
  preloadAfterMs?: number;
  /** The module's loader (tests give one that fails). */
  loadModule?: () => Promise<Pick<typeof import('@hono/node-ws'), 'createNodeWebSocket'>>;
}

type NodeWebSocket = ReturnType<typeof import('@hono/node-ws').createNodeWebSocket>;

export interface LazyNodeWebSocket {
  upgradeWebSocket: UpgradeWebSocket;
  injectWebSocket(server: Server | Http2Server | Http2SecureServer): void;
  /** Stops the pings and closes every socket with 1001 (going away), so editors reconnect to the next server; one that does not answer is cut off after a second. */
  close(): void;
}

export function lazyNodeWebSocket(app: Hono, log: (message: string) => void, options: LazyWebSocketOptions): LazyNodeWebSocket {
  const { heartbeatMs, preloadAfterMs = WS_PRELOAD_AFTER_MS, loadModule = () => import('@hono/node-ws') } = options;
  // @hono/node-ws listens for 'upgrade' on what it is given; this relay stands in for the server.
  const relay = new EventEmitter();
  let loading: Promise<NodeWebSocket> | undefined;
  let loaded: { real: NodeWebSocket; stopHeartbeat: () => void } | undefined;
  let loadFailed = false;
  let closed = false;
  // A load that failed is tried again at the next connection.
  const load = () =>
    (loading ??= loadModule()
      .then(({ createNodeWebSocket }) => {
        if (closed) throw new Error('the server is closing');
        const real = createNodeWebSocket({ app });
        limitWebSocketServer(real.wss);
        real.injectWebSocket(relay as unknown as Server);
        loaded = { real, stopHeartbeat: startHeartbeat(real.wss, heartbeatMs) };
        loadFailed = false;
        return real;
      })
      .catch((error: unknown) => {
        loading = undefined;
        if (!closed && !loadFailed) log(`WebSocket support failed to load (tried again at each connection): ${(error as Error).message}`);
        loadFailed = true;
        throw error;
      }));
  // Both of UpgradeWebSocket's forms: (createEvents, options) → middleware, and (c, events, options).
  const upgradeWebSocket = ((...args: unknown[]) => {
    if (typeof args[0] === 'function') {
      return async (c: unknown, next: unknown) => {
        const real = (await load()).upgradeWebSocket as (...a: unknown[]) => (c: unknown, next: unknown) => Promise<unknown>;
        return real(...args)(c, next);
      };
    }
    return load().then((real) => (real.upgradeWebSocket as (...a: unknown[]) => Promise<unknown>)(...args));
  }) as UpgradeWebSocket;
  const preload = setTimeout(() => void load().catch(() => {}), preloadAfterMs);
  preload.unref();
  return {
    upgradeWebSocket,
    injectWebSocket(server) {
      server.on('upgrade', (request, socket, head) => {
        load().then(
          () => relay.emit('upgrade', request, socket, head),
          () => socket.destroy(),
        );
      });
    },
    close() {
      closed = true;
      clearTimeout(preload);
      if (!loaded) return;
      loaded.stopHeartbeat();
      const sockets = [...loaded.real.wss.clients];
      for (const socket of sockets) socket.close(1001, 'server shutting down');
      // A client that does not answer the close frame would hold the server's close for ws's 30 s.
      setTimeout(() => sockets.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS).unref();
    },
  };
}
