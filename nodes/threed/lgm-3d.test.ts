import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeInputError, RetryableError, type Artifact } from '../api';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { lgm3d } from './lgm-3d';
import { LGM_OBJECT_EXTENT } from '../../model/placement';
import { allocateGaussians, readPly, writePly } from '../../model/ply';

const store = createTempStore();
afterAll(() => store.cleanup());

const W = 160;
const H = 120;
const inEllipse = (x: number, y: number) => ((x - 90) / 40) ** 2 + ((y - 50) / 25) ** 2 <= 1;

async function put(bytes: Buffer): Promise<Artifact> {
  return store.artifacts.put(bytes);
}
async function photo(alpha?: (x: number, y: number) => number): Promise<Artifact> {
  const px = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.set([x, y, 200, alpha ? alpha(x, y) : 255], (y * W + x) * 4);
  return put(await sharp(px, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer());
}
async function maskOf(inside: (x: number, y: number) => boolean): Promise<Artifact> {
  const px = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px[y * W + x] = inside(x, y) ? 255 : 0;
  return put(await sharp(px, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer());
}

describe('lgm.3d on the local backend', () => {
  it('writes a PLY whose Gaussian count matches the metadata, and a placement over the masked object', async () => {
    const ctx = createNodeContext(store);
    const out = await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'local' });
    const model = out.model as Artifact;
    expect(model.mediaType).toBe('application/x-ply');
    const g = readPly(await store.artifacts.read(model));
    expect(ctx.meta).toEqual({ backend: 'local', gaussians: g.count });
    expect(g.count).toBeGreaterThan(20_000);
    expect(out.placement).toMatchObject({
      imageWidth: W,
      imageHeight: H,
      bbox: { x: 50, y: 25, width: 81, height: 51 },
      center: { x: 90.5, y: 50.5 },
      camera: { projection: 'orthographic', view: 'front' },
    });
    expect((out.placement as { pixelsPerUnit: number }).pixelsPerUnit).toBeCloseTo(81 / LGM_OBJECT_EXTENT, 6);
    // the model's front colours come from the object's pixels (blue channel 200 everywhere)
    expect(g.colors[2]).toBeCloseTo(200 / 255, 2);
  });

  it("uses the image's alpha when no mask is connected", async () => {
    const ctx = createNodeContext(store);
    const out = await lgm3d.run(ctx, { image: await photo((x, y) => (inEllipse(x, y) ? 255 : 0)) }, { backend: 'local' });
    expect(out.placement).toMatchObject({ bbox: { x: 50, y: 25, width: 81, height: 51 } });
  });

  it('rejects an opaque image without a mask, naming the mask input', async () => {
    const run = lgm3d.run(createNodeContext(store), { image: await photo() }, { backend: 'local' });
    await expect(run).rejects.toThrow(NodeInputError);
    await expect(run).rejects.toMatchObject({ field: 'mask', message: expect.stringMatching(/connect a mask/) });
  });

  it('rejects an empty mask', async () => {
    const run = lgm3d.run(createNodeContext(store), { image: await photo(), mask: await maskOf(() => false) }, { backend: 'local' });
    await expect(run).rejects.toMatchObject({ field: 'mask', message: expect.stringMatching(/mask is empty/) });
  });

  it('auto without LGM_URL runs locally', async () => {
    const ctx = createNodeContext(store);
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto' });
    expect(ctx.meta.backend).toBe('local');
    expect(ctx.meta.fallback).toBeUndefined();
  });
});

/** A real HTTP server speaking the LGM service's wire format. */
interface FakeLgm {
  url: string;
  ready: boolean;
  reconstruct: (body: { image: string }, res: ServerResponse) => void;
  requests: Array<{ image: string }>;
}

describe('lgm.3d against an LGM service over HTTP', () => {
  let server: Server;
  const fake: FakeLgm = { url: '', ready: true, reconstruct: () => {}, requests: [] };
  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'GET' && req.url === '/health') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ service: 'lgm', model: 'fake', device: 'cpu', ready: fake.ready }));
        return;
      }
      if (req.method === 'POST' && req.url === '/reconstruct') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString());
        fake.requests.push(body);
        fake.reconstruct(body, res);
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    fake.ready = true;
    fake.requests = [];
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const plyOf = (count: number) => Buffer.from(writePly(allocateGaussians(count)));
  const answer = (count: number, header = String(count)) => (_body: unknown, res: ServerResponse) => {
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('x-gaussian-count', header);
    res.end(plyOf(count));
  };

  it('sends the cut-out object as an RGBA PNG and stores the PLY it gets back', async () => {
    fake.reconstruct = answer(1234);
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    const out = await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote' });
    expect(ctx.meta).toEqual({ backend: 'remote', gaussians: 1234 });
    const stored = await store.artifacts.read(out.model as Artifact);
    expect(stored.equals(plyOf(1234))).toBe(true);
    const sent = await sharp(Buffer.from(fake.requests[0].image, 'base64')).raw().toBuffer({ resolveWithObject: true });
    expect(sent.info).toMatchObject({ width: W, height: H, channels: 4 });
    expect(sent.data[(50 * W + 90) * 4 + 3]).toBe(255);
    expect(sent.data[(5 * W + 5) * 4 + 3]).toBe(0);
    expect(out.placement).toMatchObject({ bbox: { x: 50, y: 25, width: 81, height: 51 } });
  });

  it('auto uses a ready service', async () => {
    fake.reconstruct = answer(10);
    const ctx = createNodeContext(store, { env: { LGM_URL: `${fake.url}/` } });
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto' });
    expect(ctx.meta.backend).toBe('remote');
  });

  it('auto falls back to local when the service is not ready, and says so', async () => {
    fake.ready = false;
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto' });
    expect(ctx.meta).toMatchObject({ backend: 'local', fallback: expect.stringMatching(/ready: false/) });
    expect(ctx.logs.join('\n')).toMatch(/falling back to the local inflate backend/);
    expect(fake.requests).toHaveLength(0);
  });

  it('remote never falls back: a service that is not ready fails the node', async () => {
    fake.ready = false;
    const run = lgm3d.run(createNodeContext(store, { env: { LGM_URL: fake.url } }), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote' });
    await expect(run).rejects.toThrow(RetryableError);
    await expect(run).rejects.toThrow(/not usable: its \/health says ready: false/);
  });

  it('remote fails when nothing listens at LGM_URL', async () => {
    const run = lgm3d.run(createNodeContext(store, { env: { LGM_URL: 'http://127.0.0.1:9' } }), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote' });
    await expect(run).rejects.toThrow(/LGM service at http:\/\/127.0.0.1:9 is not usable: GET \/health failed/);
  });

  it('remote without LGM_URL is a preflight problem and a clear error', async () => {
    expect(lgm3d.preflight!({ backend: 'remote' }, { get: () => undefined })).toEqual([
      { field: 'credentials', message: expect.stringMatching(/LGM_URL/) },
    ]);
    expect(lgm3d.preflight!({ backend: 'auto' }, { get: () => undefined })).toEqual([]);
    const run = lgm3d.run(createNodeContext(store), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote' });
    await expect(run).rejects.toThrow(/needs LGM_URL/);
  });

  it('rejects a Gaussian count header that disagrees with the PLY', async () => {
    fake.reconstruct = answer(5, '6');
    const run = lgm3d.run(createNodeContext(store, { env: { LGM_URL: fake.url } }), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote' });
    await expect(run).rejects.toThrow(/X-Gaussian-Count 6 but its PLY holds 5 Gaussians/);
  });

  it('rejects an answer without the count header or with a broken PLY', async () => {
    fake.reconstruct = (_b, res) => res.end(plyOf(3));
    const ctx = () => createNodeContext(store, { env: { LGM_URL: fake.url } });
    const inputs = { image: await photo(), mask: await maskOf(inEllipse) };
    await expect(lgm3d.run(ctx(), inputs, { backend: 'remote' })).rejects.toThrow(/without a valid X-Gaussian-Count/);
    fake.reconstruct = (_b, res) => {
      res.setHeader('x-gaussian-count', '3');
      const full = plyOf(3);
      res.end(full.subarray(0, full.length - 10));
    };
    await expect(lgm3d.run(ctx(), inputs, { backend: 'remote' })).rejects.toThrow(/does not parse: invalid PLY: truncated body/);
  });

  it('turns a 503 into a retryable error carrying the service message', async () => {
    fake.reconstruct = (_b, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', '2');
      res.end(JSON.stringify({ error: { code: 'busy', message: 'GPU busy' } }));
    };
    const run = lgm3d.run(createNodeContext(store, { env: { LGM_URL: fake.url } }), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote' });
    await expect(run).rejects.toThrow(RetryableError);
    await expect(run).rejects.toMatchObject({ message: 'LGM service POST /reconstruct answered 503: GPU busy', retryAfterMs: 2000 });
  });

  it('stops waiting when the run is cancelled', async () => {
    fake.reconstruct = () => {}; // never answers
    const controller = new AbortController();
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url }, signal: controller.signal });
    const run = lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote' });
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
