// sam2.segment with backend "remote" against the real Python SAM2 service (its test-double model),
// over real HTTP: directly through the node, and through a flow on the Atelier server.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sam2Segment } from '../../nodes/segment/segment';
import { segmentParams } from '../../nodes/segment/params';
import { createNodeContext, createTempStore } from '../helpers/node-context';
import { pythonMissing, startGpuService, type PythonService } from '../helpers/python-service';
import { startTestServer, type TestServer } from '../helpers/server';

const missing = pythonMissing('test/segment/remote-sam2.test.ts');

// A one-entry embedding cache, so a third image makes the service forget the first.
const startSam2Service = () =>
  startGpuService('SAM2', 'sam2_service', ['--model', 'double', '--cache-size', '1']);

describe.skipIf(Boolean(missing))('sam2.segment over HTTP against gpu-services/sam2_service', () => {
  let sam2: PythonService;
  const store = createTempStore();

  beforeAll(async () => {
    sam2 = await startSam2Service();
  });
  afterAll(() => {
    sam2?.process.kill();
    store.cleanup();
  });

  it('answers /health as the contract says', async () => {
    expect(await (await fetch(`${sam2.url}/health`)).json()).toEqual({ service: 'sam2', model: 'test-double', device: 'cpu', ready: true, version: '2' });
  });

  it('segments through the node, reuses the embedding, and resends the image after a 404', async () => {
    const env = { SAM2_URL: sam2.url };
    const chelsea = await store.artifacts.put(readFileSync('flows/assets/chelsea.png'));
    const astronaut = await store.artifacts.put(readFileSync('flows/assets/astronaut.png'));
    const params = segmentParams.parse({ points: [{ x: 200, y: 150 }], box: [60, 40, 300, 260], backend: 'remote' });

    const first = createNodeContext(store, { env });
    const out = (await sam2Segment.run(first, { image: chelsea }, params)) as Record<string, any>;
    expect(first.meta).toMatchObject({ backend: 'remote', model: 'test-double', device: 'cpu', embeddingReused: false });
    // The double's object is the box: pixels 60..299 × 40..259.
    expect(out.bbox).toEqual({ x: 60, y: 40, width: 240, height: 220 });
    expect(out.score).toBeCloseTo(0.9, 5);
    const mask = await sharp(await store.artifacts.read(out.mask)).metadata();
    expect(mask).toMatchObject({ width: 451, height: 300, channels: 1 });

    const second = createNodeContext(store, { env });
    await sam2Segment.run(second, { image: chelsea }, params);
    expect(second.meta).toMatchObject({ backend: 'remote', embeddingReused: true, resentAfter404: false });

    // Another image evicts chelsea's embedding (cache size 1): the client's hash-only request gets 404.
    await sam2Segment.run(createNodeContext(store, { env }), { image: astronaut }, params);
    const third = createNodeContext(store, { env });
    const again = (await sam2Segment.run(third, { image: chelsea }, params)) as Record<string, any>;
    expect(third.meta).toMatchObject({ backend: 'remote', resentAfter404: true, embeddingReused: false });
    expect(again.mask.artifact).toBe(out.mask.artifact);
  });

  describe('through a flow on the Atelier server', () => {
    let atelier: TestServer;
    beforeAll(async () => {
      atelier = await startTestServer({ env: { SAM2_URL: sam2.url } });
    });
    afterAll(() => atelier?.close());

    const flow = (backend: string) => ({
      format: 'atelier.flow/1',
      name: 'remote sam2',
      nodes: [
        { id: 'load', type: 'image.load', position: { x: 0, y: 0 }, params: { asset: 'chelsea.png' } },
        { id: 'seg', type: 'sam2.segment', position: { x: 200, y: 0 }, params: { points: [{ x: 120, y: 100, label: 1 }], multimask: true, backend } },
      ],
      edges: [{ id: 'e1', source: 'load', sourceHandle: 'image', target: 'seg', targetHandle: 'image' }],
      outputs: { mask: { node: 'seg', port: 'mask' }, bbox: { node: 'seg', port: 'bbox' }, score: { node: 'seg', port: 'score' } },
    });

    async function run(body: unknown) {
      const response = await fetch(`${atelier.url}/api/runs?wait=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    }

    it('runs sam2.segment on the service and names the remote backend in the run record', async () => {
      const { status, body } = await run({ flow: flow('remote') });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.status, JSON.stringify(body.nodes?.seg)).toBe('succeeded');
      expect(body.nodes.seg.backend).toBe('remote');
      // multimask: the double scores its middle disc (radius 0.15·300 = 45) best.
      expect(body.outputs.score).toBeCloseTo(0.93, 5);
      expect(body.outputs.bbox).toEqual({ x: 75, y: 55, width: 90, height: 90 });
      const png = Buffer.from(await (await fetch(`${atelier.url}${body.outputs.mask.url}`)).arrayBuffer());
      expect(await sharp(png).metadata()).toMatchObject({ width: 451, height: 300, channels: 1 });
    });

    it('a remote backend without SAM2_URL is a validation error naming the variable', async () => {
      const bare = await startTestServer();
      try {
        const response = await fetch(`${bare.url}/api/runs?wait=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ flow: flow('remote') }),
        });
        expect(response.status).toBe(400);
        const body = await response.json();
        expect(body.error.details.issues).toContainEqual(expect.objectContaining({ nodeId: 'seg', field: 'credentials', message: expect.stringContaining('SAM2_URL') }));
      } finally {
        await bare.close();
      }
    });
  });
});
