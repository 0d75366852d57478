import { loadSharp } from '../load-sharp';
import { z } from 'zod';
import { defineNode } from '../api';

export const maskShape = defineNode({
  type: 'mask.shape',
  title: 'Shape mask',
  category: 'core',
  description: 'A mask the size of the input image: an ellipse or rectangle inset from the edges (white = inside), with a soft edge.',
  version: 1,
  inputs: { image: { type: 'image' } },
  outputs: { mask: { type: 'mask' } },
  params: z.object({
    shape: z.enum(['ellipse', 'rect']).default('ellipse'),
    inset: z.number().min(0).max(0.49).default(0.05).describe('fraction of width/height left outside the shape'),
    feather: z.number().min(0).max(100).default(4).describe('edge softness in pixels'),
  }),
  deterministic: true,
  async run(ctx, inputs, params) {
    const width = inputs.image.width as number;
    const height = inputs.image.height as number;
    const mx = width * params.inset;
    const my = height * params.inset;
    const shape =
      params.shape === 'ellipse'
        ? `<ellipse cx="${width / 2}" cy="${height / 2}" rx="${width / 2 - mx}" ry="${height / 2 - my}" fill="#fff"/>`
        : `<rect x="${mx}" y="${my}" width="${width - 2 * mx}" height="${height - 2 * my}" fill="#fff"/>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#000"/>${shape}</svg>`;
    const sharp = await loadSharp();
    let mask = sharp(Buffer.from(svg)).greyscale();
    if (params.feather > 0) mask = mask.blur(Math.max(0.3, params.feather / 2));
    const bytes = await mask.toColourspace('b-w').png().toBuffer();
    return { mask: await ctx.artifacts.put(bytes) };
  },
});
