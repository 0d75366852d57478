import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeCpuPool } from '../gpu/worker-pool';
import { segmentLocally } from './local-grabcut';
import { decodeRgb, renderOutputs } from './local-job';
import { segmentImageOnCpu } from './local-pool';
import { segmentParams, toPrompt } from './params';

afterAll(() => closeCpuPool());

describe('local segmentation as one pool task', () => {
  it('gives the same PNG bytes and facts as decoding, segmenting and encoding on the event loop', async () => {
    const bytes = readFileSync('flows/assets/chelsea.png');
    const params = segmentParams.parse({ box: [100, 30, 380, 290], multimask: true, pick: 1 });
    const image = await decodeRgb(bytes);
    const prompt = toPrompt(params, image.width, image.height);
    const here = await renderOutputs(image, prompt, params.pick, await segmentLocally(image, prompt));
    const pooled = await segmentImageOnCpu(bytes, params, new AbortController().signal);
    for (const png of ['mask', 'cutout', 'overlay'] as const) expect(Buffer.from(pooled[png]).equals(Buffer.from(here[png])), png).toBe(true);
    expect(pooled).toMatchObject({ bbox: here.bbox, score: here.score, scores: here.scores, picked: 1 });
  }, 120_000); // OpenCV.js loads twice (this thread and a pool thread): seconds each on a loaded machine

  it('names the field of a prompt outside the image, from the pool thread', async () => {
    const params = segmentParams.parse({ points: [{ x: 5000, y: 10, label: 1 }] });
    await expect(segmentImageOnCpu(readFileSync('flows/assets/chelsea.png'), params, new AbortController().signal)).rejects.toMatchObject({
      name: 'NodeInputError',
      field: 'points[0]',
    });
  });
});
