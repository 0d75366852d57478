import { loadSharp } from '../load-sharp';
import { z } from 'zod';
import { defineNode } from '../api';

export const maskApply = defineNode({
  type: 'mask.apply',
  title: 'Apply mask',
  category: 'core',
  description: 'Cuts an object out: the mask (white = keep) becomes the alpha channel of an RGBA PNG. The mask is scaled to the image.',
  version: 1,
  inputs: { image: { type: 'image' }, mask: { type: 'mask' } },
  outputs: { cutout: { type: 'image' } },
  params: z.object({ invert: z.boolean().default(false) }),
  deterministic: true,
  async run(ctx, inputs, params) {
    const sharp = await loadSharp();
    // Every pixel is touched by libvips (its own threads), never by a loop on the event loop.
    const { data: rgb, info } = await sharp(await ctx.artifacts.read(inputs.image)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    const mask = sharp(await ctx.artifacts.read(inputs.mask)).resize(width, height, { fit: 'fill' }).extractChannel(0);
    const alpha = await (params.invert ? mask.negate({ alpha: false }) : mask).raw().toBuffer();
    const bytes = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .joinChannel(alpha, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    return { cutout: await ctx.artifacts.put(bytes) };
  },
});
