import { z } from 'zod';
import { defineNode, NodeInputError, type NodeContext } from '../api';
import { backendKey, chooseBackend, fallBackAfterFailure, remoteMeta, type BackendChoice, type GpuServiceSpec } from '../gpu/backend';
import { INFLATE_ALGORITHM } from './inflate';
import { cutoutOnCpu, inflateOnCpu } from './local-pool';
import type { ObjectFacts, ObjectJob } from './object-job';
import { placementFor } from '../../model/placement';
import { reconstructRemote } from './remote-lgm';

export const LGM_SERVICE: GpuServiceSpec = { name: 'LGM', envVar: 'LGM_URL', localAlgorithm: INFLATE_ALGORITHM };

const lgmParams = z.object({
  backend: z
    .enum(['auto', 'remote', 'local'])
    .default('auto')
    .meta({ description: 'auto: the LGM service when LGM_URL is set and answers, else local (the run says why)' }),
  timeoutSeconds: z
    .number()
    .min(1)
    .max(3600)
    .default(300)
    .meta({ description: 'How long to wait for a starting or warming LGM service (and to retry its failures) before giving up' }),
});

export const lgm3d = defineNode({
  type: 'lgm.3d',
  title: 'Image to 3D (LGM)',
  category: '3d',
  description:
    'Lifts the masked object to a 3D Gaussian splat (.ply in LGM\'s layout). "remote" uses the LGM GPU service at LGM_URL; ' +
    '"local" inflates the silhouette on the CPU (lower quality, works offline); "auto" uses the service when it is configured and answers. ' +
    'placement says how to lay the model over the source image.',
  version: 2,
  inputs: {
    image: { type: 'image' },
    mask: { type: 'mask', optional: true, description: "White = object. Without it the image's alpha is used." },
  },
  outputs: {
    model: { type: 'model3d', description: 'Gaussian splat PLY (binary little-endian, LGM layout)' },
    placement: { type: 'json', description: 'Image size, object bbox, and the scale/centre that put the model over the object' },
  },
  params: lgmParams,
  deterministic: true,
  preflight(params, credentials) {
    if (params.backend === 'remote' && !credentials.get('LGM_URL')) {
      return [{ field: 'credentials', message: 'backend "remote" needs LGM_URL (the LGM service, e.g. http://gpu-host:8002)' }];
    }
    return [];
  },
  async cacheKey(params, ctx) {
    return backendKey(LGM_SERVICE, await chooseBackend(LGM_SERVICE, params.backend, params.timeoutSeconds, ctx));
  },
  async run(ctx, inputs, params) {
    if (!inputs.image) throw new NodeInputError('connect an image', 'image');
    const job: ObjectJob = { image: await ctx.artifacts.read(inputs.image), ...(inputs.mask ? { mask: await ctx.artifacts.read(inputs.mask) } : {}) };
    const { ply, gaussians, object } = await reconstruct(ctx, params, job);
    const placement = placementFor(object.width, object.height, object.bbox);
    const model = await ctx.artifacts.put(ply, { mediaType: 'application/x-ply' });
    ctx.progress(1, `${gaussians} Gaussians`);
    return { model, placement };
  },
});

type Reconstructed = { ply: Uint8Array; gaussians: number; object: ObjectFacts };

async function reconstruct(ctx: NodeContext, params: z.infer<typeof lgmParams>, job: ObjectJob): Promise<Reconstructed> {
  let choice: BackendChoice = await chooseBackend(LGM_SERVICE, params.backend, params.timeoutSeconds, ctx);
  if (choice.kind === 'remote') {
    const cutout = await cutoutOnCpu(job, ctx.signal);
    ctx.progress(0.1, `reconstructing on the LGM service (${choice.health.model}, ${choice.health.device})`);
    try {
      const remote = await reconstructRemote(choice.client, cutout.png, {
        signal: ctx.signal,
        deadline: choice.deadline,
        onRetry: ({ attempt, delayMs, error }) => {
          ctx.log(`LGM attempt ${attempt} failed (${error.message}); retrying in ${delayMs} ms`);
          ctx.progress(0.1, `LGM service busy or warming; retrying in ${(delayMs / 1000).toFixed(1)} s`);
        },
      });
      ctx.setMeta({ ...remoteMeta(choice.health), ...(remote.model ? { model: remote.model } : {}), gaussians: remote.count });
      return { ply: remote.ply, gaussians: remote.count, object: cutout };
    } catch (error) {
      choice = fallBackAfterFailure(LGM_SERVICE, params.backend, error, ctx);
      // The cache key promised the GPU service; this result comes from the CPU.
      ctx.skipCache('the GPU service failed mid-run and the CPU backend served');
    }
  }
  ctx.progress(0.1, 'inflating the silhouette on the CPU');
  const local = await inflateOnCpu(job, ctx.signal);
  ctx.setMeta({ backend: 'local', gaussians: local.count, ...(choice.kind === 'local' && choice.fallback ? { fallback: choice.fallback } : {}) });
  return { ply: local.ply, gaussians: local.count, object: local };
}
