// @hono/node-ws, loaded when the first WebSocket upgrade (or request to a WebSocket route) arrives
// rather than at start: it brings in the `ws` package (~40 ms of every `atelier serve` start), which
// a server that no editor has opened a socket to never needs.
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import { limitWebSocketServer } from './ws';
import { startHeartbeat } from './ws-heartbeat';

/** How long a closing server waits for clients to answer its close frame. */
const CLOSE_GRACE_MS = 1000;

type NodeWebSocket = ReturnType<typeof import('@hono/node-ws').createNodeWebSocket>;

export interface LazyNodeWebSocket {
  upgradeWebSocket: UpgradeWebSocket;
  injectWebSocket(server: Server | Http2Server | Http2SecureServer): void;
  /** Stops the pings and closes every socket with 1001 (going away), so editors reconnect to the next server; one that does not answer is cut off after a second. */
  close(): void;
}

export function lazyNodeWebSocket(app: Hono, log: (message: string) => void, heartbeatMs: number): LazyNodeWebSocket {
  // @hono/node-ws listens for 'upgrade' on what it is given; this relay stands in for the server.
  const relay = new EventEmitter();
  let loading: Promise<NodeWebSocket> | undefined;
  let loaded: { real: NodeWebSocket; stopHeartbeat: () => void } | undefined;
  let closed = false;
  const load = () =>
    (loading ??= import('@hono/node-ws').then(({ createNodeWebSocket }) => {
      if (closed) throw new Error('the server is closing');
      const real = createNodeWebSocket({ app });
      limitWebSocketServer(real.wss);
      real.injectWebSocket(relay as unknown as Server);
      loaded = { real, stopHeartbeat: startHeartbeat(real.wss, heartbeatMs) };
      return real;
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
  return {
    upgradeWebSocket,
    injectWebSocket(server) {
      server.on('upgrade', (request, socket, head) => {
        load().then(
          () => relay.emit('upgrade', request, socket, head),
          (error: unknown) => {
            if (!closed) log(`WebSocket support failed to load: ${(error as Error).message}`);
            socket.destroy();
          },
        );
      });
    },
    close() {
      closed = true;
      if (!loaded) return;
      loaded.stopHeartbeat();
      const sockets = [...loaded.real.wss.clients];
      for (const socket of sockets) socket.close(1001, 'server shutting down');
      // A client that does not answer the close frame would hold the server's close for ws's 30 s.
      setTimeout(() => sockets.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS).unref();
    },
  };
}
