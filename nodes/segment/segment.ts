import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { NodeInputError, defineNode, type NodeContext } from '../api';
import { segmentLocally } from './local-grabcut';
import { maskBBox } from './mask-ops';
import { checkPromptInside, segmentParams, toPrompt, type SegmentParams } from './params';
import { checkHealth, segmentRemotely } from './remote-client';
import { encodeCutoutPng, encodeMaskPng, encodeOverlayPng } from './render';
import type { RgbImage, SegmentPrompt, SegmentResult } from './types';

export const sam2Segment = defineNode({
  type: 'sam2.segment',
  title: 'Segment (SAM2)',
  category: 'segment',
  description:
    'Selects an object from clicks (label 1 = object, 0 = background) and/or a box, in source-image pixels. ' +
    'Runs on the SAM2 service (SAM2_URL) or on the CPU (GrabCut + edge refinement); the run record names the backend.',
  version: 1,
  inputs: { image: { type: 'image' } },
  outputs: {
    mask: { type: 'mask', description: 'Single-channel PNG at source size, white = object' },
    cutout: { type: 'image', description: 'RGBA PNG, transparent outside the mask' },
    bbox: { type: 'json', description: '{x, y, width, height} of the mask' },
    overlay: { type: 'image', description: 'The image with the mask tinted and the prompts drawn' },
    score: { type: 'number', description: "The picked mask's score (SAM2: predicted IoU; local: edge decisiveness 0..1)" },
  },
  params: segmentParams,
  // Both backends are pure functions of image + prompt (SAM2 inference samples nothing; the local
  // backend has a fixed working size, iteration count and RNG seed), so results are cached.
  deterministic: true,
  concurrency: { limit: 2 },
  preflight(params, credentials) {
    if (params.backend === 'remote' && !credentials.get('SAM2_URL')) {
      return [{ field: 'credentials', message: 'backend "remote" needs SAM2_URL (the SAM2 service, e.g. http://gpu-box:8765); use "auto" or "local" without one' }];
    }
    return [];
  },
  async run(ctx, inputs, params) {
    const bytes = await ctx.artifacts.read(inputs.image);
    const image = await decodeRgb(bytes);
    checkPromptInside(params, image.width, image.height);
    const prompt = toPrompt(params);

    ctx.progress(0.05, 'choosing backend');
    const result = await runBackend(ctx, params, image, bytes, prompt);

    const chosenIndex = pickIndex(params.pick, result);
    const chosen = result.candidates[chosenIndex];
    const bbox = maskBBox(chosen.mask, image.width, image.height);
    if (bbox.width === 0) ctx.log('the mask is empty: no object found for these prompts');
    ctx.setMeta({ ...result.meta, scores: result.candidates.map((c) => c.score), picked: chosenIndex });

    ctx.progress(0.9, 'encoding outputs');
    const [maskPng, cutoutPng, overlayPng] = await Promise.all([
      encodeMaskPng(chosen.mask, image.width, image.height),
      encodeCutoutPng(image, chosen.mask),
      encodeOverlayPng(image, chosen.mask, prompt.points, prompt.box),
    ]);
    return {
      mask: await ctx.artifacts.put(maskPng),
      cutout: await ctx.artifacts.put(cutoutPng),
      bbox,
      overlay: await ctx.artifacts.put(overlayPng),
      score: chosen.score,
    };
  },
});

async function runBackend(ctx: NodeContext, params: SegmentParams, image: RgbImage, bytes: Buffer, prompt: SegmentPrompt): Promise<SegmentResult> {
  const url = ctx.credentials.get('SAM2_URL');
  if (params.backend === 'local') return runLocal(ctx, image, prompt, {});
  if (!url) {
    if (params.backend === 'remote') {
      throw new Error('backend "remote" needs SAM2_URL (the SAM2 service); it does not fall back — use "auto" or "local" to run on the CPU');
    }
    return runLocal(ctx, image, prompt, {});
  }
  const health = await checkHealth(url, ctx.signal);
  if (!health.ok) {
    if (params.backend === 'remote') {
      throw new Error(`the SAM2 service at SAM2_URL is ${health.reason}; backend "remote" does not fall back — use "auto" or "local" to run on the CPU`);
    }
    const fallback = `SAM2 service at SAM2_URL is ${health.reason}: fell back to the local CPU backend`;
    ctx.log(fallback);
    return runLocal(ctx, image, prompt, { fallback });
  }
  ctx.progress(0.2, `segmenting on ${health.health.model} (${health.health.device})`);
  const png = await toPng(bytes);
  const result = await segmentRemotely(
    url,
    { png, sha256: createHash('sha256').update(png).digest('hex'), width: image.width, height: image.height },
    prompt,
    { signal: ctx.signal },
  );
  result.meta = { ...result.meta, model: health.health.model, device: health.health.device };
  return result;
}

async function runLocal(ctx: NodeContext, image: RgbImage, prompt: SegmentPrompt, extraMeta: Record<string, unknown>): Promise<SegmentResult> {
  ctx.progress(0.2, 'segmenting on the CPU (GrabCut)');
  const result = await segmentLocally(image, prompt, { signal: ctx.signal });
  result.meta = { ...result.meta, ...extraMeta };
  return result;
}

function pickIndex(pick: SegmentParams['pick'], result: SegmentResult): number {
  if (pick === 'best') {
    let best = 0;
    result.candidates.forEach((c, i) => {
      if (c.score > result.candidates[best].score) best = i;
    });
    return best;
  }
  if (pick >= result.candidates.length) {
    throw new NodeInputError(
      `pick ${pick} but the backend returned ${result.candidates.length} mask(s)${result.candidates.length === 1 ? ' — set multimask for several' : ''}`,
      'pick',
    );
  }
  return pick;
}

async function decodeRgb(bytes: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new NodeInputError(`image decodes to ${info.channels} channels, expected RGB`, 'image');
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** The contract sends PNG; other formats are converted once. */
async function toPng(bytes: Buffer): Promise<Uint8Array> {
  const isPng = bytes.length > 8 && bytes.readUInt32BE(0) === 0x89504e47;
  return isPng ? bytes : sharp(bytes).png().toBuffer();
}
