import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpFake, json, type RecordedRequest } from '../../test/fakes/http-fake';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { NodeInputError, type Artifact } from '../api';
import { maskBBox } from './mask-ops';
import { segmentParams } from './params';
import { sam2Segment } from './segment';

const store = createTempStore();
afterAll(() => store.cleanup());

const CHELSEA = readFileSync('flows/assets/chelsea.png'); // 451×300, the cat fills the middle
const params = (p: Record<string, unknown>) => segmentParams.parse(p);

async function raw(artifact: Artifact) {
  return sharp(await store.artifacts.read(artifact)).raw().toBuffer({ resolveWithObject: true });
}

async function rawMask(artifact: Artifact) {
  return sharp(await store.artifacts.read(artifact)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
}

function iou(mask: Uint8Array, truth: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i++) {
    if (mask[i] && truth[i]) inter++;
    if (mask[i] || truth[i]) union++;
  }
  return inter / union;
}

/** A textured orange disc on a textured blue-green background, 300×240, with its exact mask. */
async function discImage() {
  const W = 300, H = 240, cx = 160, cy = 120, r = 70;
  const rgb = Buffer.alloc(W * H * 3);
  const truth = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x;
    const noise = ((x * 7919 + y * 104729) % 41) - 20;
    const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    truth[i] = inside ? 255 : 0;
    rgb.set(inside ? [220 + noise / 2, 120 + noise, 40] : [40, 110 + noise, 150 + noise], i * 3);
  }
  const image = await store.artifacts.put(await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
  return { image, truth, cx, cy, r };
}

async function putChelsea() {
  return store.artifacts.put(CHELSEA);
}

describe('sam2.segment params', () => {
  it('takes no prompt (salient object), but not background points alone, naming the field', () => {
    expect(segmentParams.parse({})).toMatchObject({ points: [], backend: 'auto', timeoutSeconds: 120 });
    expect(segmentParams.parse({}).box).toBeUndefined();
    expect(segmentParams.safeParse({ points: [{ x: 1, y: 2, label: 0 }] }).error!.issues[0].path).toEqual(['points']);
    expect(segmentParams.safeParse({ box: [1, 2, 30, 40] }).success).toBe(true);
    expect(segmentParams.safeParse({ points: [{ x: 1, y: 2 }] }).data).toMatchObject({ points: [{ x: 1, y: 2, label: 1 }], pick: 'best', backend: 'auto' });
  });

  it('rejects an inverted box and a bad pick', () => {
    expect(segmentParams.safeParse({ box: [30, 2, 1, 40] }).error!.issues[0].path).toEqual(['box']);
    expect(segmentParams.safeParse({ box: [1, 2, 30, 40], pick: -1 }).success).toBe(false);
    expect(segmentParams.safeParse({ box: [1, 2, 30, 40], pick: 'worst' }).success).toBe(false);
  });

  it('rejects points and boxes outside the image at run time, naming points[i] / box', async () => {
    const image = await putChelsea();
    const ctx = createNodeContext(store);
    const outside = sam2Segment.run(ctx, { image }, params({ points: [{ x: 10, y: 10 }, { x: 451, y: 10 }], backend: 'local' }));
    await expect(outside).rejects.toBeInstanceOf(NodeInputError);
    await expect(outside).rejects.toMatchObject({ field: 'points[1]' });
    await expect(sam2Segment.run(ctx, { image }, params({ points: [{ x: 10, y: -1 }], backend: 'local' }))).rejects.toMatchObject({ field: 'points[0]' });
    await expect(sam2Segment.run(ctx, { image }, params({ box: [0, 0, 452, 300], backend: 'local' }))).rejects.toMatchObject({ field: 'box' });
  });

  it('preflight names SAM2_URL for backend remote', () => {
    expect(sam2Segment.preflight!(params({ box: [0, 0, 5, 5], backend: 'remote' }), { get: () => undefined })).toEqual([
      { field: 'credentials', message: expect.stringContaining('SAM2_URL') },
    ]);
    expect(sam2Segment.preflight!(params({ box: [0, 0, 5, 5], backend: 'remote' }), { get: () => 'http://x' })).toEqual([]);
    expect(sam2Segment.preflight!(params({ box: [0, 0, 5, 5], backend: 'auto' }), { get: () => undefined })).toEqual([]);
  });
});

describe('sam2.segment on the local backend', () => {
  it('produces a source-size single-channel mask, a matching bbox, cutout alpha = mask and an overlay', async () => {
    const image = await putChelsea();
    const ctx = createNodeContext(store);
    const out = (await sam2Segment.run(ctx, { image }, params({ points: [{ x: 230, y: 150, label: 1 }, { x: 10, y: 10, label: 0 }], box: [60, 10, 400, 295], backend: 'local' }))) as Record<string, any>;
    expect(ctx.meta).toMatchObject({ backend: 'local', picked: 0 });

    const maskMeta = await sharp(await store.artifacts.read(out.mask)).metadata();
    expect(maskMeta).toMatchObject({ width: 451, height: 300, channels: 1, format: 'png' });
    const mask = await rawMask(out.mask);
    expect(mask.info.channels).toBe(1);
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    expect(mask.data[150 * 451 + 230]).toBe(255); // the clicked point is object
    expect(mask.data[10 * 451 + 10]).toBe(0); // the background click is not
    expect(out.bbox).toEqual(maskBBox(mask.data, 451, 300));
    expect(out.bbox.x).toBeGreaterThanOrEqual(60 - 1);
    expect(out.bbox.x + out.bbox.width).toBeLessThanOrEqual(400 + 1);

    const cutout = await raw(out.cutout);
    expect(cutout.info).toMatchObject({ width: 451, height: 300, channels: 4 });
    const source = await sharp(CHELSEA).removeAlpha().raw().toBuffer();
    for (let i = 0; i < 451 * 300; i++) {
      if (cutout.data[i * 4 + 3] !== mask.data[i]) throw new Error(`cutout alpha differs from the mask at pixel ${i}`);
      if (cutout.data[i * 4] !== source[i * 3]) throw new Error(`cutout colour differs from the image at pixel ${i}`);
    }

    const overlay = await raw(out.overlay);
    expect(overlay.info).toMatchObject({ width: 451, height: 300 });
    const at = (x: number, y: number) => [...overlay.data.subarray((y * 451 + x) * overlay.info.channels, (y * 451 + x) * overlay.info.channels + 3)];
    expect(at(230, 150)).toEqual([0, 200, 60]); // object click drawn green
    expect(at(10, 10)).toEqual([230, 30, 30]); // background click drawn red
    expect(typeof out.score).toBe('number');
    expect(out.score).toBeGreaterThan(0);
    expect(out.score).toBeLessThanOrEqual(1);
  });

  it('finds a clear object from a box (IoU > 0.9), deterministically', async () => {
    const { image, truth, cx, cy, r } = await discImage();
    const p = params({ box: [cx - r - 5, cy - r - 5, cx + r + 5, cy + r + 5], backend: 'local' });
    const first = (await sam2Segment.run(createNodeContext(store), { image }, p)) as Record<string, any>;
    const second = (await sam2Segment.run(createNodeContext(store), { image }, p)) as Record<string, any>;
    expect(second.mask.artifact).toBe(first.mask.artifact);
    expect(iou((await rawMask(first.mask)).data, truth)).toBeGreaterThan(0.9);
  });

  it('finds a clear object from one click, trying three seed sizes (all three with multimask)', async () => {
    const { image, truth, cx, cy } = await discImage();
    const single = createNodeContext(store);
    const out = (await sam2Segment.run(single, { image }, params({ points: [{ x: cx + 10, y: cy - 5 }], backend: 'local' }))) as Record<string, any>;
    expect(single.meta.seedScores).toHaveLength(3);
    expect(single.meta.scores).toHaveLength(1);
    expect(iou((await rawMask(out.mask)).data, truth)).toBeGreaterThan(0.9);

    const multi = createNodeContext(store);
    await sam2Segment.run(multi, { image }, params({ points: [{ x: cx + 10, y: cy - 5 }], multimask: true, backend: 'local' }));
    expect(multi.meta.scores).toHaveLength(3);
  });

  it('multimask gives several candidates; pick chooses by index or best score', async () => {
    const image = await putChelsea();
    const base = { points: [{ x: 230, y: 150 }], box: [60, 10, 400, 295], multimask: true, backend: 'local' };
    const best = createNodeContext(store);
    const bestOut = (await sam2Segment.run(best, { image }, params(base))) as Record<string, any>;
    const scores = best.meta.scores as number[];
    expect(scores).toHaveLength(3);
    expect(best.meta.picked).toBe(scores.indexOf(Math.max(...scores)));
    expect(bestOut.score).toBe(Math.max(...scores));

    const second = createNodeContext(store);
    const secondOut = (await sam2Segment.run(second, { image }, params({ ...base, pick: 2 }))) as Record<string, any>;
    expect(second.meta.picked).toBe(2);
    expect(secondOut.score).toBe(scores[2]);

    await expect(sam2Segment.run(createNodeContext(store), { image }, params({ ...base, multimask: false, pick: 1 }))).rejects.toMatchObject({ field: 'pick' });
  });
});

describe('sam2.segment prompts that survive a new image size', () => {
  it('a fraction point lands on the same spot of the image at any size', async () => {
    const { image, truth } = await discImage(); // 300×240, disc centred at (160, 120)
    const ctx = createNodeContext(store);
    const out = (await sam2Segment.run(ctx, { image }, params({ points: [{ x: 160 / 300, y: 0.5, unit: 'fraction' }], backend: 'local' }))) as Record<string, any>;
    expect(iou((await rawMask(out.mask)).data, truth)).toBeGreaterThan(0.9);
    const overlay = await raw(out.overlay);
    const at = (160 * 1 + 120 * 300) * overlay.info.channels;
    expect([...overlay.data.subarray(at, at + 3)]).toEqual([0, 200, 60]); // the click is drawn where it landed
  });

  it('rejects fractions outside 0..1, naming the point', () => {
    const result = segmentParams.safeParse({ points: [{ x: 0.5, y: 0.5, unit: 'fraction' }, { x: 1.5, y: 0.5, unit: 'fraction' }] });
    expect(result.error!.issues[0].path).toEqual(['points', 1]);
    expect(result.error!.issues[0].message).toMatch(/fraction.*0\.\.1/);
  });

  it('with no prompt finds the most salient object on the CPU and says so', async () => {
    const { image, truth } = await discImage();
    const ctx = createNodeContext(store);
    const out = (await sam2Segment.run(ctx, { image }, params({ backend: 'local' }))) as Record<string, any>;
    expect(ctx.meta).toMatchObject({ backend: 'local', prompt: 'salient', salient: { method: 'border-contrast+centre-prior' } });
    expect(iou((await rawMask(out.mask)).data, truth)).toBeGreaterThan(0.85);
  });

  it('with no prompt on a uniform image says there is nothing to pick, naming points', async () => {
    const flat = await store.artifacts.put(await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).png().toBuffer());
    const run = sam2Segment.run(createNodeContext(store), { image: flat }, params({ backend: 'local' }));
    await expect(run).rejects.toBeInstanceOf(NodeInputError);
    await expect(run).rejects.toMatchObject({ field: 'points', message: expect.stringMatching(/no object stands out/) });
  });
});

// A real HTTP server speaking the SAM2 service's wire format: the "model" paints the box (or a disc of
// radius 20 around the first object point) and keeps an embedding cache of image hashes.
class FakeSam2 {
  cached = new Set<string>();
  ready = true;
  readonly http = new HttpFake((req, res) => this.reply(req, res));

  private async reply(req: RecordedRequest, res: ServerResponse) {
    if (req.method === 'GET' && req.url.pathname === '/health') return json(res, 200, { service: 'sam2', model: 'fake', device: 'cpu', ready: this.ready });
    if (req.method !== 'POST' || req.url.pathname !== '/segment') return json(res, 404, { error: 'not found' });
    const body = JSON.parse(req.body.toString()) as { image?: string; image_sha256: string; points: number[][]; labels: number[]; box?: number[]; multimask: boolean };
    let png: Buffer;
    if (body.image) {
      png = Buffer.from(body.image, 'base64');
      const sha = createHash('sha256').update(png).digest('hex');
      if (sha !== body.image_sha256) return json(res, 400, { error: 'image_sha256 does not match image' });
      this.images.set(sha, png);
      this.cached.add(sha);
    } else if (!this.cached.has(body.image_sha256)) {
      return json(res, 404, { error: 'unknown image_sha256' });
    } else {
      png = this.images.get(body.image_sha256)!;
    }
    const { width = 0, height = 0 } = await sharp(png).metadata();
    const mask = Buffer.alloc(width * height);
    const salient = !body.box && body.points.length === 0;
    const [x0, y0, x1, y1] = body.box ?? [0, 0, 0, 0];
    // With no prompt the "model" picks a disc at the centre, as the service's ranking would.
    const point = salient ? [width / 2, height / 2] : body.points[body.labels.indexOf(1)];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const inside = body.box ? x >= x0 && x < x1 && y >= y0 && y < y1 : (x - point[0]) ** 2 + (y - point[1]) ** 2 <= 400;
      if (inside) mask[y * width + x] = 255;
    }
    const encoded = (await sharp(mask, { raw: { width, height, channels: 1 } }).png().toBuffer()).toString('base64');
    const scores = body.multimask ? [0.5, 0.95, 0.7] : [0.9];
    json(res, 200, {
      masks: scores.map(() => encoded),
      scores,
      bbox: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
      image_sha256: body.image_sha256,
      ...(salient ? { salient: { candidates: 5, stability: 0.97, centrality: 0.99 } } : {}),
    });
  }
  private images = new Map<string, Buffer>();
}

describe('sam2.segment on a remote service', () => {
  let sam2: FakeSam2;
  beforeEach(async () => {
    sam2 = new FakeSam2();
    await sam2.http.start();
  });
  afterEach(() => sam2.http.close());

  const segments = () => sam2.http.requests.filter((r) => r.url.pathname === '/segment').map((r) => JSON.parse(r.body.toString()));

  it('sends the image once, then only its hash; on 404 resends the image', async () => {
    const image = await putChelsea();
    const env = { SAM2_URL: sam2.http.url };
    const p = params({ points: [{ x: 100, y: 100 }, { x: 5, y: 5, label: 0 }], box: [50, 60, 200, 220], backend: 'remote' });

    const ctx1 = createNodeContext(store, { env });
    const out = (await sam2Segment.run(ctx1, { image }, p)) as Record<string, any>;
    expect(ctx1.meta).toMatchObject({ backend: 'remote', model: 'fake', device: 'cpu', embeddingReused: false });
    expect(out.bbox).toEqual({ x: 50, y: 60, width: 150, height: 160 });
    expect(out.score).toBe(0.9);
    const first = segments()[0];
    expect(first).toMatchObject({ points: [[100, 100], [5, 5]], labels: [1, 0], box: [50, 60, 200, 220], multimask: false, image_sha256: image.artifact });
    expect(Buffer.from(first.image, 'base64').equals(CHELSEA)).toBe(true);

    const ctx2 = createNodeContext(store, { env });
    await sam2Segment.run(ctx2, { image }, p);
    expect(segments()[1].image).toBeUndefined();
    expect(ctx2.meta).toMatchObject({ backend: 'remote', embeddingReused: true });

    sam2.cached.clear(); // the service restarted or evicted the embedding
    const ctx3 = createNodeContext(store, { env });
    const again = (await sam2Segment.run(ctx3, { image }, p)) as Record<string, any>;
    const [, , forgotten, resent] = segments();
    expect(forgotten.image).toBeUndefined();
    expect(resent.image).toBeDefined();
    expect(ctx3.meta).toMatchObject({ backend: 'remote', resentAfter404: true, embeddingReused: false });
    expect(again.mask.artifact).toBe(out.mask.artifact);
  });

  it('picks the best-scoring remote mask or the index asked for', async () => {
    const image = await putChelsea();
    const env = { SAM2_URL: sam2.http.url };
    const best = createNodeContext(store, { env });
    const out = (await sam2Segment.run(best, { image }, params({ points: [{ x: 100, y: 100 }], multimask: true, backend: 'remote' }))) as Record<string, any>;
    expect(best.meta).toMatchObject({ picked: 1, scores: [0.5, 0.95, 0.7] });
    expect(out.score).toBe(0.95);
    expect(out.bbox).toEqual({ x: 80, y: 80, width: 41, height: 41 });
    const chosen = createNodeContext(store, { env });
    const byIndex = (await sam2Segment.run(chosen, { image }, params({ points: [{ x: 100, y: 100 }], multimask: true, pick: 2, backend: 'remote' }))) as Record<string, any>;
    expect(byIndex.score).toBe(0.7);
  });

  it('remote never falls back: SAM2_URL unset, service down, or not ready', async () => {
    const image = await putChelsea();
    const p = params({ points: [{ x: 100, y: 100 }], backend: 'remote', timeoutSeconds: 1 });
    const unset = createNodeContext(store);
    await expect(sam2Segment.run(unset, { image }, p)).rejects.toThrow(/SAM2_URL/);
    expect(unset.meta.backend).toBeUndefined();

    sam2.ready = false;
    const unready = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    await expect(sam2Segment.run(unready, { image }, p)).rejects.toThrow(/still not ready \(fake still loading\) after 1 s; backend "remote" does not fall back/);
    expect(unready.meta.backend).toBeUndefined();

    const url = sam2.http.url;
    await sam2.http.close();
    const down = createNodeContext(store, { env: { SAM2_URL: url } });
    await expect(sam2Segment.run(down, { image }, p)).rejects.toThrow(/unreachable.*does not fall back/);
    expect(down.meta.backend).toBeUndefined();
  });

  it('auto uses a ready service, and falls back to local (saying so) when it is not', async () => {
    const image = await putChelsea();
    const p = params({ points: [{ x: 230, y: 150 }], box: [60, 10, 400, 295], backend: 'auto', timeoutSeconds: 1 });
    const ready = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    await sam2Segment.run(ready, { image }, p);
    expect(ready.meta.backend).toBe('remote');

    sam2.ready = false;
    const unready = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    await sam2Segment.run(unready, { image }, p);
    expect(unready.meta).toMatchObject({ backend: 'local', fallback: expect.stringContaining('not ready') });
    expect(unready.logs.join('\n')).toMatch(/fell back to the local CPU backend/);

    const none = createNodeContext(store);
    await sam2Segment.run(none, { image }, p);
    expect(none.meta.backend).toBe('local');
    expect(none.meta.fallback).toBeUndefined();
  });
  it('remote waits out a warming service: 503 not_ready twice (Retry-After honoured), then the masks', async () => {
    const image = await putChelsea();
    const notReady = (req: RecordedRequest, res: ServerResponse) =>
      json(res, 503, { error: { code: 'not_ready', message: 'loading facebook/sam2.1-hiera-large' } }, { 'retry-after': '0' });
    const isSegment = (req: RecordedRequest) => req.url.pathname === '/segment';
    sam2.http.once(notReady, isSegment).once(notReady, isSegment);
    const ctx = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    const out = (await sam2Segment.run(ctx, { image }, params({ box: [50, 60, 200, 220], backend: 'remote' }))) as Record<string, any>;
    expect(segments()).toHaveLength(3);
    expect(out.bbox).toEqual({ x: 50, y: 60, width: 150, height: 160 });
    expect(ctx.meta).toMatchObject({ backend: 'remote', model: 'fake' });
    expect(ctx.logs.filter((line) => /SAM2 attempt \d failed .*not_ready.*retrying in 0 ms/.test(line))).toHaveLength(2);
  });

  it('auto falls back to the CPU when the service keeps failing, and says why', async () => {
    const image = await putChelsea();
    for (let i = 0; i < 4; i++) {
      sam2.http.once((_req, res) => json(res, 500, { error: { code: 'model_error', message: 'CUDA error' } }, { 'retry-after': '0' }), (r) => r.url.pathname === '/segment');
    }
    const ctx = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    await sam2Segment.run(ctx, { image }, params({ box: [60, 10, 400, 295], backend: 'auto' }));
    expect(segments()).toHaveLength(4);
    expect(ctx.meta).toMatchObject({ backend: 'local', notCached: expect.stringMatching(/GPU service failed mid-run/), fallback: expect.stringMatching(/kept failing .*HTTP 500 model_error: CUDA error \(after 4 attempts\).*fell back/) });
    expect(ctx.logs.join('\n')).toMatch(/fell back to the local CPU backend/);
  });

  it('auto falls back to the CPU when the service refuses the image as too large; remote fails naming it', async () => {
    const image = await putChelsea();
    const tooLarge = (_req: RecordedRequest, res: ServerResponse) => json(res, 413, { error: { code: 'too_large', message: 'request body over 67108864 bytes' } });
    const isSegment = (req: RecordedRequest) => req.url.pathname === '/segment';
    sam2.http.once(tooLarge, isSegment).once(tooLarge, isSegment);
    const auto = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    await sam2Segment.run(auto, { image }, params({ box: [60, 10, 400, 295], backend: 'auto' }));
    expect(auto.meta).toMatchObject({ backend: 'local', fallback: expect.stringMatching(/cannot take this input .*HTTP 413 too_large: request body over 67108864 bytes.*fell back/) });
    const remote = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    await expect(sam2Segment.run(remote, { image }, params({ box: [60, 10, 400, 295], backend: 'remote' }))).rejects.toThrow(/HTTP 413 too_large/);
    expect(segments()).toHaveLength(2);
  });

  it('sends fraction prompts as pixels of this image', async () => {
    const image = await putChelsea(); // 451×300
    const ctx = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    await sam2Segment.run(ctx, { image }, params({ points: [{ x: 0.5, y: 0.5, unit: 'fraction' }], box: { x0: 0.1, y0: 0.2, x1: 0.9, y1: 1, unit: 'fraction' }, backend: 'remote' }));
    expect(segments()[0]).toMatchObject({ points: [[225.5, 150]], box: [45.1, 60, 405.90000000000003, 300] });
  });

  it('with no prompt asks the service for the most salient object and says so in meta', async () => {
    const image = await putChelsea();
    const ctx = createNodeContext(store, { env: { SAM2_URL: sam2.http.url } });
    const out = (await sam2Segment.run(ctx, { image }, params({ backend: 'remote' }))) as Record<string, any>;
    expect(segments()[0]).toMatchObject({ points: [], labels: [] });
    expect(segments()[0].box).toBeUndefined();
    expect(ctx.meta).toMatchObject({ backend: 'remote', prompt: 'salient', salient: { candidates: 5 } });
    expect(out.bbox).toEqual({ x: 206, y: 131, width: 40, height: 39 }); // the fake's centred disc of radius 20
  });
});
