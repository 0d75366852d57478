import sharp from 'sharp';
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
    const image = sharp(await ctx.artifacts.read(inputs.image));
    const { width, height } = await image.metadata();
    let alpha = sharp(await ctx.artifacts.read(inputs.mask)).resize(width, height, { fit: 'fill' }).greyscale();
    if (params.invert) alpha = alpha.negate({ alpha: false });
    const alphaRaw = await alpha.extractChannel(0).raw().toBuffer();
    const bytes = await image
      .removeAlpha()
      .joinChannel(alphaRaw, { raw: { width: width!, height: height!, channels: 1 } })
      .png()
      .toBuffer();
    return { cutout: await ctx.artifacts.put(bytes) };
  },
});
