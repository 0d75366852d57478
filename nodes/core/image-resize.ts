import { loadSharp } from '../load-sharp';
import { z } from 'zod';
import { defineNode } from '../api';

export const imageResize = defineNode({
  type: 'image.resize',
  title: 'Resize image',
  category: 'core',
  description: 'Scales an image to a width and/or height (PNG out).',
  version: 1,
  inputs: { image: { type: 'image' } },
  outputs: { image: { type: 'image' } },
  params: z
    .object({
      width: z.number().int().min(1).max(8192).optional(),
      height: z.number().int().min(1).max(8192).optional(),
      fit: z.enum(['inside', 'cover', 'contain', 'fill']).default('inside'),
    })
    .refine((p) => p.width || p.height, { message: 'set width, height or both', path: ['width'] }),
  deterministic: true,
  async run(ctx, inputs, params) {
    const sharp = await loadSharp();
    const source = await ctx.artifacts.read(inputs.image);
    const bytes = await sharp(source)
      .resize({ width: params.width, height: params.height, fit: params.fit, background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png()
      .toBuffer();
    return { image: await ctx.artifacts.put(bytes) };
  },
});
