import { loadSharp } from '../load-sharp';
import { sha256Hex } from '../../model/sha256-hex';
import { defineNode, NodeInputError, type NodeContext } from '../api';
import { backendKey, chooseBackend, fallBackAfterFailure, remoteMeta, type BackendChoice, type GpuServiceSpec } from '../gpu/backend';
import { LOCAL_ALGORITHM } from './local-grabcut';
import type { SegmentOutputs } from './local-job';
import { renderRemoteOnCpu, segmentImageOnCpu } from './local-pool';
import { asksForSalient, segmentParams, toPrompt, type SegmentParams } from './params';
import { segmentRemotely, type RemoteAnswer } from './remote-client';

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
    ctx.progress(0.05, 'choosing backend');
    const choice = await chooseBackend(SAM2_SERVICE, params.backend, params.timeoutSeconds, ctx);
    const served = choice.kind === 'remote' ? await segmentOnService(ctx, params, bytes, choice) : { choice };
    const outputs = 'outputs' in served ? served.outputs : await segmentLocal(ctx, params, bytes, served.choice);
    if (outputs.bbox.width === 0) ctx.log('the mask is empty: no object found for these prompts');
    ctx.setMeta({ ...outputs.meta, scores: outputs.scores, picked: outputs.picked });

    ctx.progress(0.9, 'storing outputs');
    // The three stores overlap (each waits on its fsync), so the run ends sooner.
    const [mask, cutout, overlay] = await Promise.all([outputs.mask, outputs.cutout, outputs.overlay].map((png) => ctx.artifacts.put(png)));
    return { mask, cutout, bbox: outputs.bbox, overlay, score: outputs.score };
  },
});

/** The SAM2 service's masks as outputs, or the choice to fall back to when the service failed mid-run. */
async function segmentOnService(
  ctx: NodeContext,
  params: SegmentParams,
  bytes: Buffer,
  choice: Extract<BackendChoice, { kind: 'remote' }>,
): Promise<{ outputs: SegmentOutputs } | { choice: BackendChoice }> {
  const { width, height } = await imageSize(bytes);
  const prompt = toPrompt(params, width, height);
  const { client, health, deadline } = choice;
  ctx.progress(0.2, `segmenting on ${health.model} (${health.device})`);
  const png = await toPng(bytes);
  let answer: RemoteAnswer;
  try {
    answer = await segmentRemotely(
      client,
      { png, sha256: await sha256Hex(png), width, height },
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
  } catch (error) {
    const fallback = fallBackAfterFailure(SAM2_SERVICE, params.backend, error, ctx);
    // The cache key promised the GPU service; this result comes from the CPU.
    ctx.skipCache('the GPU service failed mid-run and the CPU backend served');
    return { choice: fallback };
  }
  answer.meta = { ...answer.meta, ...remoteMeta(health) };
  return { outputs: await renderRemoteOnCpu(bytes, params, answer, ctx.signal) };
}

/** The image's size from its header: its pixels are decoded in the pool, not here. */
async function imageSize(bytes: Buffer): Promise<{ width: number; height: number }> {
  const sharp = await loadSharp();
  const { width, height } = await sharp(bytes)
    .metadata()
    .catch((error: Error) => {
      throw new NodeInputError(`the image cannot be decoded: ${error.message}`, 'image');
    });
  if (!width || !height) throw new NodeInputError('the image has no size in its header', 'image');
  return { width, height };
}

/** Decode, segment and encode in one CPU-pool task (see local-job.ts). */
async function segmentLocal(ctx: NodeContext, params: SegmentParams, bytes: Buffer, choice: BackendChoice): Promise<SegmentOutputs> {
  ctx.progress(0.2, asksForSalient(params) ? 'finding the most salient object on the CPU (GrabCut)' : 'segmenting on the CPU (GrabCut)');
  const outputs = await segmentImageOnCpu(bytes, params, ctx.signal);
  outputs.meta = { ...outputs.meta, ...(choice.kind === 'local' && choice.fallback ? { fallback: choice.fallback } : {}) };
  return outputs;
}

/** The contract sends PNG; other formats are converted once. */
async function toPng(bytes: Buffer): Promise<Uint8Array> {
  const isPng = bytes.length > 8 && bytes.readUInt32BE(0) === 0x89504e47;
  if (isPng) return bytes;
  const sharp = await loadSharp();
  return sharp(bytes).png().toBuffer();
}
