// The backend a GPU node keys its cache on: the service that will serve, or the local algorithm.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lgm3d } from '../threed/lgm-3d';
import { sam2Segment } from '../segment/segment';
import { segmentParams } from '../segment/params';
import { assetFiles } from '../../runtime/assets';

/** A free port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A fake GPU service answering /health on `port`. */
async function serviceOn(port: number, health: Record<string, unknown>): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/health' ? health : { error: { code: 'not_found', message: 'no' } }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const keyContext = (env: Record<string, string>) => ({ credentials: { get: (name: string) => env[name] }, assets: assetFiles('flows/assets'), signal: new AbortController().signal, log: () => {} });

describe('GPU nodes key their cache on the backend that will serve', () => {
  it('sam2.segment: local while SAM2_URL is down, the service and model once it comes up, local again for backend local', async () => {
    const port = await freePort();
    const env = { SAM2_URL: `http://127.0.0.1:${port}` };
    const auto = segmentParams.parse({ points: [{ x: 0.5, y: 0.5, unit: 'fraction' }], timeoutSeconds: 1 });
    const before = await sam2Segment.cacheKey!(auto, keyContext(env));
    expect(before).toBe('local:grabcut-guided@2');

    servers.push(await serviceOn(port, { service: 'sam2', model: 'facebook/sam2.1-hiera-large', device: 'cuda', ready: true, version: '2' }));
    const after = await sam2Segment.cacheKey!(auto, keyContext(env));
    expect(after).toBe('remote:sam2/facebook/sam2.1-hiera-large@2');
    expect(after).not.toBe(before);

    expect(await sam2Segment.cacheKey!({ ...auto, backend: 'local' }, keyContext(env))).toBe(before);
    expect(await sam2Segment.cacheKey!(auto, keyContext({}))).toBe(before);
  });

  it('a different model behind the same URL is a different key', async () => {
    const port = await freePort();
    const env = { SAM2_URL: `http://127.0.0.1:${port}` };
    const auto = segmentParams.parse({ timeoutSeconds: 1 });
    servers.push(await serviceOn(port, { service: 'sam2', model: 'facebook/sam2.1-hiera-small', device: 'cuda', ready: true }));
    expect(await sam2Segment.cacheKey!(auto, keyContext(env))).toBe('remote:sam2/facebook/sam2.1-hiera-small');
  });

  it('lgm.3d: local inflate while LGM_URL is down or broken, the service once it is ready', async () => {
    const port = await freePort();
    const env = { LGM_URL: `http://127.0.0.1:${port}` };
    const params = { backend: 'auto' as const, timeoutSeconds: 1 };
    expect(await lgm3d.cacheKey!(params, keyContext(env))).toBe('local:inflate@1');
    const broken = await serviceOn(port, { service: 'lgm', model: 'lgm-big+imagedream', device: 'cuda', ready: false, error: 'no weights' });
    servers.push(broken);
    expect(await lgm3d.cacheKey!(params, keyContext(env))).toBe('local:inflate@1');
    broken.closeAllConnections();
    await new Promise<void>((resolve) => broken.close(() => resolve()));
    servers.push(await serviceOn(port, { service: 'lgm', model: 'lgm-big+imagedream', device: 'cuda', ready: true }));
    expect(await lgm3d.cacheKey!(params, keyContext(env))).toBe('remote:lgm/lgm-big+imagedream');
  });

  it('backend remote waits for the service to come up before it names a key', async () => {
    const port = await freePort();
    const env = { LGM_URL: `http://127.0.0.1:${port}` };
    const logs: string[] = [];
    const key = lgm3d.cacheKey!({ backend: 'remote', timeoutSeconds: 30 }, { ...keyContext(env), log: (m) => logs.push(m) });
    for (let i = 0; i < 1000 && logs.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logs[0]).toMatch(/LGM service at LGM_URL is unreachable .*waiting up to 30 s/);
    servers.push(await serviceOn(port, { service: 'lgm', model: 'lgm-big+imagedream', device: 'cuda', ready: true }));
    expect(await key).toBe('remote:lgm/lgm-big+imagedream');
  });
});
