import { createHash } from 'node:crypto';
import { loadSharp } from '../load-sharp';
import { NodeInputError, defineNode, type NodeContext } from '../api';
import { backendKey, chooseBackend, fallBackAfterFailure, remoteMeta, type BackendChoice, type GpuServiceSpec } from '../gpu/backend';
import { LOCAL_ALGORITHM } from './local-grabcut';
import { segmentOnCpu } from './local-pool';
import { maskBBox } from './mask-ops';
import { segmentParams, toPrompt, type SegmentParams } from './params';
import { segmentRemotely } from './remote-client';
import { encodeCutoutPng, encodeMaskPng, encodeOverlayPng } from './render';
import type { RgbImage, SegmentPrompt, SegmentResult } from './types';

export const SAM2_SERVICE: GpuServiceSpec = { name: 'SAM2', envVar: 'SAM2_URL', localAlgorithm: LOCAL_ALGORITHM };

export const sam2Segment = defineNode({
  type: 'sam2.segment',
  title: 'Segment (SAM2)',
  category: 'segment',
  description:
    'Selects an object from clicks (label 1 = object, 0 = background) and/or a box, in pixels or as fractions of the image; ' +
    'with no prompt at all, the most salient object. Runs on the SAM2 service (SAM2_URL) or on the CPU (GrabCut + edge refinement); ' +
    'the run record names the backend, and why it fell back if it did.',
  version: 2,
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
  // backend has a fixed working size, iteration count and RNG seed), so results are cached — keyed
  // by the backend that serves (see cacheKey).
  deterministic: true,
  concurrency: { limit: 2 },
  preflight(params, credentials) {
    if (params.backend === 'remote' && !credentials.get('SAM2_URL')) {
      return [{ field: 'credentials', message: 'backend "remote" needs SAM2_URL (the SAM2 service, e.g. http://gpu-box:8001); use "auto" or "local" without one' }];
    }
    return [];
  },
  async cacheKey(params, ctx) {
    return backendKey(SAM2_SERVICE, await chooseBackend(SAM2_SERVICE, params.backend, params.timeoutSeconds, ctx));
  },
  async run(ctx, inputs, params) {
    const bytes = await ctx.artifacts.read(inputs.image);
    const image = await decodeRgb(bytes);
    const prompt = toPrompt(params, image.width, image.height);

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
  let choice: BackendChoice = await chooseBackend(SAM2_SERVICE, params.backend, params.timeoutSeconds, ctx);
  if (choice.kind === 'remote') {
    const { client, health, deadline } = choice;
    ctx.progress(0.2, `segmenting on ${health.model} (${health.device})`);
    const png = await toPng(bytes);
    try {
      const result = await segmentRemotely(
        client,
        { png, sha256: createHash('sha256').update(png).digest('hex'), width: image.width, height: image.height },
        prompt,
        {
          signal: ctx.signal,
          deadline,
          onRetry: ({ attempt, delayMs, error }) => {
            ctx.log(`SAM2 attempt ${attempt} failed (${error.message}); retrying in ${delayMs} ms`);
            ctx.progress(0.2, `SAM2 service busy or warming; retrying in ${(delayMs / 1000).toFixed(1)} s`);
          },
        },
      );
      result.meta = { ...result.meta, ...remoteMeta(health) };
      return result;
    } catch (error) {
      choice = fallBackAfterFailure(SAM2_SERVICE, params.backend, error, ctx);
      // The cache key promised the GPU service; this result comes from the CPU.
      ctx.skipCache('the GPU service failed mid-run and the CPU backend served');
    }
  }
  ctx.progress(0.2, prompt.salient ? 'finding the most salient object on the CPU (GrabCut)' : 'segmenting on the CPU (GrabCut)');
  const result = await segmentOnCpu(image, prompt, ctx.signal);
  result.meta = { ...result.meta, ...(choice.kind === 'local' && choice.fallback ? { fallback: choice.fallback } : {}) };
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
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new NodeInputError(`image decodes to ${info.channels} channels, expected RGB`, 'image');
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** The contract sends PNG; other formats are converted once. */
async function toPng(bytes: Buffer): Promise<Uint8Array> {
  const isPng = bytes.length > 8 && bytes.readUInt32BE(0) === 0x89504e47;
  if (isPng) return bytes;
  const sharp = await loadSharp();
  return sharp(bytes).png().toBuffer();
}
