import { z } from 'zod';
import { NodeInputError, RetryableError, defineNode, type NodeContext } from '../api';
import { inflate } from './inflate';
import { cutoutPng, loadObjectImage } from './object-image';
import { placementFor } from '../../model/placement';
import { writePly } from '../../model/ply';
import { checkLgmHealth, reconstructRemote } from './remote-lgm';

type Backend = 'auto' | 'remote' | 'local';

export const lgm3d = defineNode({
  type: 'lgm.3d',
  title: 'Image to 3D (LGM)',
  category: '3d',
  description:
    'Lifts the masked object to a 3D Gaussian splat (.ply in LGM\'s layout). "remote" uses the LGM GPU service at LGM_URL; ' +
    '"local" inflates the silhouette on the CPU (lower quality, works offline); "auto" uses the service when it is configured and ready. ' +
    'placement says how to lay the model over the source image.',
  version: 1,
  inputs: {
    image: { type: 'image' },
    mask: { type: 'mask', optional: true, description: "White = object. Without it the image's alpha is used." },
  },
  outputs: {
    model: { type: 'model3d', description: 'Gaussian splat PLY (binary little-endian, LGM layout)' },
    placement: { type: 'json', description: 'Image size, object bbox, and the scale/centre that put the model over the object' },
  },
  params: z.object({
    backend: z
      .enum(['auto', 'remote', 'local'])
      .default('auto')
      .meta({ description: 'auto: the LGM service when LGM_URL is set and ready, else local' }),
  }),
  deterministic: true,
  preflight(params, credentials) {
    if (params.backend === 'remote' && !credentials.get('LGM_URL')) {
      return [{ field: 'credentials', message: 'backend "remote" needs LGM_URL (the LGM service, e.g. http://gpu-host:8002)' }];
    }
    return [];
  },
  async run(ctx, inputs, params) {
    const object = await loadObjectImage(ctx, inputs.image, inputs.mask);
    const placement = placementFor(object.width, object.height, object.bbox);
    const serviceUrl = await chooseService(ctx, params.backend);

    let ply: Uint8Array;
    let gaussians: number;
    if (serviceUrl) {
      ctx.progress(0.1, 'reconstructing on the LGM service');
      const remote = await reconstructRemote(serviceUrl, await cutoutPng(object), { signal: ctx.signal });
      ply = remote.ply;
      gaussians = remote.count;
      ctx.setMeta({ backend: 'remote', gaussians, ...(remote.model ? { model: remote.model } : {}) });
    } else {
      ctx.progress(0.1, 'inflating the silhouette on the CPU');
      const g = inflate(object);
      ply = writePly(g);
      gaussians = g.count;
      ctx.setMeta({ backend: 'local', gaussians });
    }
    const model = await ctx.artifacts.put(ply, { mediaType: 'application/x-ply' });
    ctx.progress(1, `${gaussians} Gaussians`);
    return { model, placement };
  },
});

/** The service URL to use, or undefined for the local backend; never falls back without saying so. */
async function chooseService(ctx: NodeContext, backend: Backend): Promise<string | undefined> {
  if (backend === 'local') return undefined;
  const url = ctx.credentials.get('LGM_URL');
  if (!url) {
    if (backend === 'remote') throw new NodeInputError('backend "remote" needs LGM_URL (the LGM service URL)', 'backend');
    return undefined;
  }
  const health = await checkLgmHealth(url, ctx.signal);
  if ('error' in health || !health.ready) {
    const why = 'error' in health ? health.error : 'its /health says ready: false';
    // the service may still be loading its weights: worth a retry
    if (backend === 'remote') throw new RetryableError(`LGM service at ${url} is not usable: ${why}`);
    ctx.log(`LGM service at ${url} is not usable (${why}); falling back to the local inflate backend`);
    ctx.setMeta({ fallback: `LGM service not usable: ${why}` });
    return undefined;
  }
  return url;
}
