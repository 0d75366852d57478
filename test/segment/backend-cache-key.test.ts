// The engine's cache and the GPU service coming and going: a result computed on the CPU is never served
// once the SAM2 service is up (and the service's result is not served once it is gone), because
// sam2.segment keys its cache on the backend that will serve (its cacheKey hook).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonMissing, startGpuService, type PythonService } from '../helpers/python-service';
import { startTestServer, type TestServer } from '../helpers/server';

const missing = pythonMissing('test/segment/backend-cache-key.test.ts');

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe.skipIf(Boolean(missing))('sam2.segment results are cached per serving backend', () => {
  let port: number;
  let atelier: TestServer;
  let sam2: PythonService | undefined;
  beforeAll(async () => {
    port = await freePort();
    atelier = await startTestServer({ env: { SAM2_URL: `http://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    sam2?.process.kill();
    await atelier?.close();
  });

  const flow = {
    format: 'atelier.flow/1',
    name: 'segment auto',
    nodes: [
      { id: 'load', type: 'image.load', position: { x: 0, y: 0 }, params: { asset: 'chelsea.png' } },
      { id: 'seg', type: 'sam2.segment', position: { x: 200, y: 0 }, params: { box: [60, 40, 300, 260], backend: 'auto', timeoutSeconds: 1 } },
    ],
    edges: [{ id: 'e1', source: 'load', sourceHandle: 'image', target: 'seg', targetHandle: 'image' }],
  };
  const run = async () => {
    const response = await fetch(`${atelier.url}/api/runs?wait=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flow }),
    });
    const body = await response.json();
    expect(body.status, JSON.stringify(body.nodes)).toBe('succeeded');
    return body.nodes.seg as { cached: boolean; backend: string };
  };

  it('runs on the CPU while the service is down, on the service once it is up, and caches each apart', async () => {
    expect(await run()).toMatchObject({ cached: false, backend: 'local' });
    expect(await run()).toMatchObject({ cached: true, backend: 'local' });

    sam2 = await startGpuService('SAM2', 'sam2_service', ['--model', 'double', '--port', String(port)]);
    expect(await run()).toMatchObject({ cached: false, backend: 'remote' });
    expect(await run()).toMatchObject({ cached: true, backend: 'remote' });

    sam2.process.kill();
    await new Promise((resolve) => sam2!.process.once('exit', resolve));
    sam2 = undefined;
    expect(await run()).toMatchObject({ cached: true, backend: 'local' });
  });
});
