import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '../../test/helpers/poll';
import { lazyNodeWebSocket, type LazyNodeWebSocket, type LazyWebSocketOptions } from './lazy-ws';

let server: Server | undefined;
let sockets: LazyNodeWebSocket | undefined;
afterEach(async () => {
  sockets?.close();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = sockets = undefined;
});

/** A server whose /ws echoes "hello" at open, with WebSocket support from lazyNodeWebSocket. */
async function echoServer(logs: string[], options: Omit<LazyWebSocketOptions, 'heartbeatMs'>): Promise<string> {
  const app = new Hono();
  sockets = lazyNodeWebSocket(app, (message) => logs.push(message), { heartbeatMs: 60_000, ...options });
  app.get('/ws', sockets.upgradeWebSocket(() => ({ onOpen: (_event, ws) => ws.send('hello') })));
  server = createServer((req, res) => {
    void Promise.resolve(app.fetch(new Request(`http://localhost${req.url}`))).then(async (response) => res.writeHead(response.status).end(await response.text()));
  });
  sockets.injectWebSocket(server);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
}

const greeting = (url: string) =>
  new Promise<string>((resolve) => {
    const ws = new WebSocket(url);
    ws.once('message', (data) => {
      resolve((data as Buffer).toString());
      ws.close();
    });
    ws.once('error', (error) => resolve(`error: ${error.message}`));
  });

it('loads WebSocket support after a while although no socket came', async () => {
  let loads = 0;
  await echoServer([], { preloadAfterMs: 0, loadModule: () => (loads++, import('@hono/node-ws')) });
  await until('the module to be loaded', () => loads === 1);
});

it('a load that failed is logged once and tried again at the next connection', async () => {
  const logs: string[] = [];
  let failures = 2;
  const url = await echoServer(logs, {
    preloadAfterMs: 60_000,
    loadModule: () => (failures-- > 0 ? Promise.reject(new Error('EMFILE: too many open files')) : import('@hono/node-ws')),
  });
  expect(await greeting(url)).toMatch(/^error: /);
  expect(await greeting(url)).toMatch(/^error: /);
  expect(logs).toEqual(['WebSocket support failed to load (tried again at each connection): EMFILE: too many open files']);
  expect(await greeting(url)).toBe('hello');
});
