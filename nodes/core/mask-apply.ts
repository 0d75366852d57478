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
    const { data: rgb, info } = await sharp(await ctx.artifacts.read(inputs.image)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    const alpha = await sharp(await ctx.artifacts.read(inputs.mask))
      .resize(width, height, { fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer();
    const rgba = Buffer.alloc(width * height * 4);
    for (let i = 0, j = 0; i < alpha.length; i++, j += 3) {
      rgba[i * 4] = rgb[j];
      rgba[i * 4 + 1] = rgb[j + 1];
      rgba[i * 4 + 2] = rgb[j + 2];
      rgba[i * 4 + 3] = params.invert ? 255 - alpha[i] : alpha[i];
    }
    const bytes = await sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
    return { cutout: await ctx.artifacts.put(bytes) };
  },
});
