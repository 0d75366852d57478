import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeInputError, type Artifact } from '../api';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { lgm3d } from './lgm-3d';
import { LGM_OBJECT_EXTENT } from '../../model/placement';
import { allocateGaussians, readPly, writePly } from '../../model/ply';

const store = createTempStore();

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not met');
}
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
    const out = await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'local', timeoutSeconds: 5 });
    const model = out.model;
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
    const out = await lgm3d.run(ctx, { image: await photo((x, y) => (inEllipse(x, y) ? 255 : 0)) }, { backend: 'local', timeoutSeconds: 5 });
    expect(out.placement).toMatchObject({ bbox: { x: 50, y: 25, width: 81, height: 51 } });
  });

  it('rejects an opaque image without a mask, naming the mask input', async () => {
    const run = lgm3d.run(createNodeContext(store), { image: await photo() }, { backend: 'local', timeoutSeconds: 5 });
    await expect(run).rejects.toThrow(NodeInputError);
    await expect(run).rejects.toMatchObject({ field: 'mask', message: expect.stringMatching(/connect a mask/) });
  });

  it('rejects an empty mask', async () => {
    const run = lgm3d.run(createNodeContext(store), { image: await photo(), mask: await maskOf(() => false) }, { backend: 'local', timeoutSeconds: 5 });
    await expect(run).rejects.toMatchObject({ field: 'mask', message: expect.stringMatching(/mask is empty/) });
  });

  it('auto without LGM_URL runs locally', async () => {
    const ctx = createNodeContext(store);
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto', timeoutSeconds: 5 });
    expect(ctx.meta.backend).toBe('local');
    expect(ctx.meta.fallback).toBeUndefined();
  });
});

/** A real HTTP server speaking the LGM service's wire format. */
interface FakeLgm {
  url: string;
  ready: boolean;
  error?: string;
  reconstruct: (body: { image: string }, res: ServerResponse) => void;
  requests: Array<{ image: string }>;
}

describe('lgm.3d against an LGM service over HTTP', () => {
  let server: Server;
  const fake: FakeLgm = { url: '', ready: true, reconstruct: () => {}, requests: [] };
  beforeAll(async () => {
    const serveFake = async (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'GET' && req.url === '/health') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ service: 'lgm', model: 'fake', device: 'cpu', ready: fake.ready, ...(fake.error ? { error: fake.error } : {}) }));
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
    };
    server = createServer((req, res) => void serveFake(req, res).catch((error: Error) => res.destroy(error)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    fake.ready = true;
    fake.error = undefined;
    fake.requests = [];
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const plyOf = (count: number) => Buffer.from(writePly(allocateGaussians(count)));
  const answer = (count: number, header = String(count)) => (_body: unknown, res: ServerResponse) => {
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('x-gaussian-count', header);
    res.end(plyOf(count));
  };

  it('sends the object cut out (cropped to it, alpha = mask) as an RGBA PNG and stores the PLY it gets back', async () => {
    fake.reconstruct = answer(1234);
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    const out = await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 5 });
    expect(ctx.meta).toEqual({ backend: 'remote', model: 'fake', device: 'cpu', gaussians: 1234 });
    const stored = await store.artifacts.read(out.model);
    expect(stored.equals(plyOf(1234))).toBe(true);
    const sent = await sharp(Buffer.from(fake.requests[0].image, 'base64')).raw().toBuffer({ resolveWithObject: true });
    // The ellipse's bbox (50, 25, 81×51) with a 2-pixel margin.
    expect(sent.info).toMatchObject({ width: 85, height: 55, channels: 4 });
    const at = (x: number, y: number) => ((y - 23) * 85 + (x - 48)) * 4;
    expect([...sent.data.subarray(at(90, 50), at(90, 50) + 4)]).toEqual([90, 50, 200, 255]);
    expect(sent.data[at(50, 26) + 3]).toBe(0);
    expect(out.placement).toMatchObject({ bbox: { x: 50, y: 25, width: 81, height: 51 } });
  });

  it('sends the object of a large photo at most 2048 pixels on its longer side (the service refuses over 4096²)', async () => {
    fake.reconstruct = answer(10);
    const [width, height] = [6000, 3000];
    const inside = (x: number, y: number) => ((x - 3000) / 2900) ** 2 + ((y - 1500) / 1400) ** 2 <= 1;
    const mask = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) mask[y * width + x] = inside(x, y) ? 255 : 0;
    const image = await put(await sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer());
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    const out = await lgm3d.run(ctx, { image, mask: await put(await sharp(mask, { raw: { width, height, channels: 1 } }).png().toBuffer()) }, { backend: 'remote', timeoutSeconds: 5 });
    const sent = await sharp(Buffer.from(fake.requests[0].image, 'base64')).metadata();
    // The bbox (100, 100, 5801×2801) with its 2 % margin covers the whole 6000×3000 photo: halved.
    expect(sent).toMatchObject({ width: 2048, height: 1024, channels: 4 });
    expect(out.placement).toMatchObject({ imageWidth: width, imageHeight: height, bbox: { x: 100, y: 100, width: 5801, height: 2801 } });
  });

  it('auto uses a ready service', async () => {
    fake.reconstruct = answer(10);
    const ctx = createNodeContext(store, { env: { LGM_URL: `${fake.url}/` } });
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto', timeoutSeconds: 5 });
    expect(ctx.meta.backend).toBe('remote');
  });

  it('auto waits for a warming service up to timeoutSeconds, then falls back to local and says so', async () => {
    fake.ready = false;
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto', timeoutSeconds: 1 });
    expect(ctx.meta).toMatchObject({ backend: 'local', fallback: expect.stringMatching(/still not ready \(fake still loading\) after 1 s/) });
    expect(ctx.logs.join('\n')).toMatch(/waiting up to 1 s[\s\S]*fell back to the local CPU backend/);
    expect(fake.requests).toHaveLength(0);

    // Having given up, auto does not wait again a moment later (a batch of nodes would each wait).
    const again = createNodeContext(store, { env: { LGM_URL: fake.url } });
    await lgm3d.run(again, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto', timeoutSeconds: 60 });
    expect(again.meta).toMatchObject({ backend: 'local', fallback: expect.stringMatching(/still not ready .*gave up waiting for it less than a minute ago/) });
    expect(again.logs.join('\n')).not.toMatch(/waiting up to/);
    // … and uses the service as soon as it is ready.
    fake.ready = true;
    fake.reconstruct = answer(9);
    const ready = createNodeContext(store, { env: { LGM_URL: fake.url } });
    await lgm3d.run(ready, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto', timeoutSeconds: 60 });
    expect(ready.meta).toMatchObject({ backend: 'remote', gaussians: 9 });
  });

  it('auto falls back at once from a service whose loading failed', async () => {
    fake.ready = false;
    fake.error = 'CUDA out of memory';
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto', timeoutSeconds: 60 });
    expect(ctx.meta).toMatchObject({ backend: 'local', fallback: expect.stringMatching(/loading fake failed: CUDA out of memory/) });
  });

  it('auto falls back when the service keeps failing, naming the last error', async () => {
    fake.reconstruct = (_b, res) => {
      res.statusCode = 500;
      res.setHeader('retry-after', '0');
      res.end(JSON.stringify({ error: { code: 'model_error', message: 'kaboom' } }));
    };
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    await lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'auto', timeoutSeconds: 30 });
    expect(fake.requests).toHaveLength(4);
    expect(ctx.meta).toMatchObject({ backend: 'local', notCached: expect.stringMatching(/GPU service failed mid-run/), fallback: expect.stringMatching(/kept failing .*HTTP 500 model_error: kaboom \(after 4 attempts\)/) });
  });

  it('remote never falls back: a service still warming at the deadline fails the node', async () => {
    fake.ready = false;
    const run = lgm3d.run(createNodeContext(store, { env: { LGM_URL: fake.url } }), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 1 });
    await expect(run).rejects.toThrow(/still not ready \(fake still loading\) after 1 s; backend "remote" does not fall back/);
  });

  it('remote waits for a warming service and then uses it', async () => {
    fake.ready = false;
    fake.reconstruct = answer(7);
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    const run = lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 30 });
    await until(() => ctx.logs.some((line) => /waiting up to 30 s/.test(line)));
    fake.ready = true;
    await run;
    expect(ctx.meta).toMatchObject({ backend: 'remote', gaussians: 7 });
  });

  it('remote fails when nothing listens at LGM_URL until the deadline', async () => {
    const run = lgm3d.run(createNodeContext(store, { env: { LGM_URL: 'http://127.0.0.1:9' } }), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 1 });
    await expect(run).rejects.toThrow(/LGM service at LGM_URL is unreachable \(.*\); backend "remote" does not fall back/);
  });

  it('remote without LGM_URL is a preflight problem and a clear error', async () => {
    expect(lgm3d.preflight!({ backend: 'remote', timeoutSeconds: 5 }, { get: () => undefined })).toEqual([
      { field: 'credentials', message: expect.stringMatching(/LGM_URL/) },
    ]);
    expect(lgm3d.preflight!({ backend: 'auto', timeoutSeconds: 5 }, { get: () => undefined })).toEqual([]);
    const run = lgm3d.run(createNodeContext(store), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 5 });
    await expect(run).rejects.toThrow(/needs LGM_URL/);
  });

  it('rejects a Gaussian count header that disagrees with the PLY', async () => {
    fake.reconstruct = answer(5, '6');
    const run = lgm3d.run(createNodeContext(store, { env: { LGM_URL: fake.url } }), { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 5 });
    await expect(run).rejects.toThrow(/X-Gaussian-Count 6 but its PLY holds 5 Gaussians/);
  });

  it('rejects an answer without the count header or with a broken PLY', async () => {
    fake.reconstruct = (_b, res) => res.end(plyOf(3));
    const ctx = () => createNodeContext(store, { env: { LGM_URL: fake.url } });
    const inputs = { image: await photo(), mask: await maskOf(inEllipse) };
    await expect(lgm3d.run(ctx(), inputs, { backend: 'remote', timeoutSeconds: 5 })).rejects.toThrow(/without a valid X-Gaussian-Count/);
    fake.reconstruct = (_b, res) => {
      res.setHeader('x-gaussian-count', '3');
      const full = plyOf(3);
      res.end(full.subarray(0, full.length - 10));
    };
    await expect(lgm3d.run(ctx(), inputs, { backend: 'remote', timeoutSeconds: 5 })).rejects.toThrow(/does not parse: invalid PLY: truncated body/);
  });

  it('retries a 503 after its Retry-After until the deadline, then fails with the service message', async () => {
    fake.reconstruct = (_b, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', '1');
      res.end(JSON.stringify({ error: { code: 'busy', message: 'GPU busy' } }));
    };
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url } });
    const run = lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 2 });
    await expect(run).rejects.toMatchObject({
      message: expect.stringMatching(/^LGM service POST \/reconstruct answered HTTP 503 busy: GPU busy \(after 2 attempts; no time left/),
      retryable: true,
      retryAfterMs: 1000,
    });
    expect(fake.requests).toHaveLength(2);
    expect(ctx.logs.join('\n')).toMatch(/LGM attempt 1 failed .*retrying in 1000 ms/);
  });

  it('stops waiting when the run is cancelled', async () => {
    fake.reconstruct = () => {}; // never answers
    const controller = new AbortController();
    const ctx = createNodeContext(store, { env: { LGM_URL: fake.url }, signal: controller.signal });
    const run = lgm3d.run(ctx, { image: await photo(), mask: await maskOf(inEllipse) }, { backend: 'remote', timeoutSeconds: 5 });
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
