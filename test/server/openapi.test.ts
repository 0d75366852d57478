// Every API route the app registers is described in /api/openapi.json, and nothing more.
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../runtime/server/app';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('/api/openapi.json', () => {
  it('describes exactly the routes the app serves', async () => {
    const { upgradeWebSocket } = createNodeWebSocket({ app: new Hono() });
    const app = createApp(server.atelier, { upgradeWebSocket, trust: { bound: () => undefined } });
    const served = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
    );
    const doc = await (await fetch(`${server.url}/api/openapi.json`)).json();
    const described = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
          .map((method) => `${method} ${path}`),
      ),
    );
    expect([...served].filter((r) => !described.has(r)), 'served but not described').toEqual([]);
    expect([...described].filter((r) => !served.has(r)), 'described but not served').toEqual([]);
  });
});
