// lgm.3d with backend "remote" against the real Python LGM service (its test-double pipeline),
// through the Atelier server, over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPly } from '../../model/ply';
import { pythonMissing, startGpuService, type PythonService } from '../helpers/python-service';
import { startTestServer, type TestServer } from '../helpers/server';

const missing = pythonMissing('test/threed/remote-lgm.test.ts');

const startLgmService = () => startGpuService('LGM', 'lgm_service', ['--pipeline', 'test-double']);

describe.skipIf(Boolean(missing))('lgm.3d over HTTP against gpu-services/lgm_service', () => {
  let lgm: PythonService;
  let atelier: TestServer;

  beforeAll(async () => {
    lgm = await startLgmService();
    atelier = await startTestServer({ env: { LGM_URL: lgm.url } });
  });
  afterAll(async () => {
    await atelier?.close();
    lgm?.process.kill();
  });

  const flow = (backend: string) => ({
    format: 'atelier.flow/1',
    name: 'remote lgm',
    nodes: [
      { id: 'load', type: 'image.load', position: { x: 0, y: 0 }, params: { asset: 'chelsea.png' } },
      { id: 'mask', type: 'mask.shape', position: { x: 200, y: 0 }, params: { shape: 'ellipse', inset: 0.2 } },
      { id: 'lgm', type: 'lgm.3d', position: { x: 400, y: 0 }, params: { backend } },
    ],
    edges: [
      { id: 'e1', source: 'load', sourceHandle: 'image', target: 'mask', targetHandle: 'image' },
      { id: 'e2', source: 'load', sourceHandle: 'image', target: 'lgm', targetHandle: 'image' },
      { id: 'e3', source: 'mask', sourceHandle: 'mask', target: 'lgm', targetHandle: 'mask' },
    ],
    outputs: { model: { node: 'lgm', port: 'model' }, placement: { node: 'lgm', port: 'placement' } },
  });

  it('runs the Python service, names the remote backend and stores a PLY that parses', async () => {
    const health = await (await fetch(`${lgm.url}/health`)).json();
    expect(health).toEqual({ service: 'lgm', model: 'test-double', device: 'cpu', ready: true, version: '2' });

    const response = await fetch(`${atelier.url}/api/runs?wait=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flow: flow('remote') }),
    });
    const run = await response.json();
    expect(run.status, JSON.stringify(run.nodes?.lgm)).toBe('succeeded');
    expect(run.nodes.lgm.backend).toBe('remote');
    expect(run.outputs.model.mediaType).toBe('application/x-ply');

    const bytes = new Uint8Array(await (await fetch(`${atelier.url}${run.outputs.model.url}`)).arrayBuffer());
    const g = readPly(bytes);
    // the test double lays one Gaussian per opaque cell of a 32×32 grid on the z = 0 plane
    expect(g.count).toBeGreaterThan(300);
    expect(g.count).toBeLessThanOrEqual(32 * 32);
    expect(g.positions.filter((_, i) => i % 3 === 2).every((z) => z === 0)).toBe(true);
    // chelsea.png is 451×300; mask.shape's ellipse with inset 0.2 leaves 20 % on each side
    expect(run.outputs.placement.imageWidth).toBe(451);
    expect(run.outputs.placement.bbox.width).toBeGreaterThan(260);
    expect(run.outputs.placement.bbox.width).toBeLessThan(290);
  });
});
