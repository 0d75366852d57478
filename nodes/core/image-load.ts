import { z } from 'zod';
import { NodeInputError, defineNode } from '../api';

export const imageLoad = defineNode({
  type: 'image.load',
  title: 'Load image',
  category: 'core',
  description: 'An uploaded image (artifact hash from POST /api/uploads) or a sample file from flows/assets/.',
  version: 1,
  inputs: {},
  outputs: { image: { type: 'image' } },
  params: z
    .object({
      artifact: z.string().regex(/^[0-9a-f]{64}$/, 'a 64-character sha256 hex hash').optional().meta({ widget: 'image-upload' }),
      asset: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a file name in flows/assets/ (letters, digits, ".", "_", "-")')
        .refine((name) => !name.includes('..'), 'a file name in flows/assets/, not a path')
        .optional()
        .meta({ widget: 'image-asset' }),
    })
    .refine((p) => p.artifact || p.asset, { message: 'set either artifact (an uploaded image) or asset (a file in flows/assets/)', path: ['artifact'] }),
  deterministic: true,
  // An asset's result depends on the file's bytes, not its name: one edited in place must not keep
  // answering with the old image (ComfyUI's LoadImage hashes its file for the same reason). An
  // uploaded artifact is named by its hash already.
  cacheKey: async (params, ctx) => (params.asset && !params.artifact ? `asset:${await ctx.assets.sha256(params.asset)}` : 'artifact'),
  async run(ctx, _inputs, params) {
    if (params.artifact) {
      const image = ctx.artifacts.get(params.artifact);
      if (!image) throw new NodeInputError(`artifact ${params.artifact} is not in the store; upload it with POST /api/uploads`, 'artifact');
      if (!image.mediaType.startsWith('image/')) throw new NodeInputError(`artifact ${params.artifact} is ${image.mediaType}, not an image`, 'artifact');
      return { image };
    }
    const bytes = await ctx.assets.read(params.asset!);
    const image = await ctx.artifacts.put(bytes);
    if (!image.mediaType.startsWith('image/')) throw new NodeInputError(`asset "${params.asset}" is not an image`, 'asset');
    return { image };
  },
});
