// flows/segment-to-3d.json end to end through the Atelier server, offline on the local backends.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowSchema } from '../../model/flow';
import { inflate } from '../../nodes/threed/inflate';
import { maskBoundingBox } from '../../model/placement';
import { readPly } from '../../model/ply';
import { startTestServer, type TestServer } from '../helpers/server';

describe('flows/segment-to-3d.json', () => {
  let atelier: TestServer;
  beforeAll(async () => {
    atelier = await startTestServer();
  });
  afterAll(() => atelier?.close());

  const download = async (url: string) => Buffer.from(await (await fetch(`${atelier.url}${url}`)).arrayBuffer());
  const runFlow = async () => {
    const response = await fetch(`${atelier.url}/api/runs?wait=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flowId: 'segment-to-3d' }),
    });
    expect(response.status).toBe(200);
    return response.json();
  };

  it('is a valid flow document naming mask, cutout, model and placement', () => {
    const flow = FlowSchema.parse(JSON.parse(readFileSync('flows/segment-to-3d.json', 'utf8')));
    expect(Object.keys(flow.outputs).sort()).toEqual(['cutout', 'mask', 'model', 'placement']);
  });

  it('writes a mask, a cutout and a .ply that parses back with the expected Gaussian count', async () => {
    const run = await runFlow();
    expect(run.status, JSON.stringify(run.nodes)).toBe('succeeded');
    expect(run.nodes.segment.backend).toBe('local');
    expect(run.nodes.lgm.backend).toBe('local');

    const { mask, cutout, model, placement } = run.outputs;
    expect(mask.mediaType).toBe('image/png');
    expect(cutout.mediaType).toBe('image/png');
    expect(model.mediaType).toBe('application/x-ply');

    const g = readPly(await download(model.url));
    expect(g.count).toBe(run.nodes.lgm.meta.gaussians);
    expect(g.count).toBeGreaterThan(20_000);

    // the same count comes from inflating the flow's own mask over the sample image
    const image = await sharp(readFileSync('flows/assets/astronaut.png')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const maskPixels = await sharp(await download(mask.url)).greyscale().extractChannel(0).raw().toBuffer();
    const bbox = maskBoundingBox(maskPixels, image.info.width, image.info.height)!;
    expect(placement.bbox).toEqual(bbox);
    expect(inflate({ rgba: image.data, mask: maskPixels, width: image.info.width, height: image.info.height, bbox }).count).toBe(g.count);
  });

  it('runs nothing again when nothing changed', async () => {
    const run = await runFlow();
    expect(run.status).toBe('succeeded');
    expect(run.nodes.lgm.cached).toBe(true);
    expect(run.nodes.segment.cached).toBe(true);
  });
});
