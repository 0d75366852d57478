import { loadSharp } from '../load-sharp';
import { z } from 'zod';
import { NodeInputError, defineNode } from '../api';

const BBox = z.object({ x: z.number(), y: z.number(), width: z.number().positive(), height: z.number().positive() });

export const imageCrop = defineNode({
  type: 'image.crop',
  title: 'Crop image',
  category: 'core',
  description: 'Crops an image to a bbox {x, y, width, height}: from the bbox input if connected, else from params. Padding grows the box; it is clamped to the image.',
  version: 1,
  inputs: { image: { type: 'image' }, bbox: { type: 'json', optional: true } },
  outputs: { image: { type: 'image' }, bbox: { type: 'json' } },
  params: z.object({
    x: z.number().int().min(0).default(0).meta({ widget: 'crop-box', box: 'x' }),
    y: z.number().int().min(0).default(0).meta({ widget: 'crop-box', box: 'y' }),
    width: z.number().int().min(1).default(256).meta({ widget: 'crop-box', box: 'width' }),
    height: z.number().int().min(1).default(256).meta({ widget: 'crop-box', box: 'height' }),
    padding: z.number().int().min(0).default(0),
  }),
  deterministic: true,
  async run(ctx, inputs, params) {
    let box: z.infer<typeof BBox> = params;
    if (inputs.bbox !== undefined) {
      const parsed = BBox.safeParse(inputs.bbox);
      if (!parsed.success) throw new NodeInputError('input bbox must be {x, y, width, height} with positive size', 'bbox');
      box = parsed.data;
    }
    const { width: W = 0, height: H = 0 } = inputs.image;
    const x0 = Math.max(0, Math.floor(box.x - params.padding));
    const y0 = Math.max(0, Math.floor(box.y - params.padding));
    const x1 = Math.min(W, Math.ceil(box.x + box.width + params.padding));
    const y1 = Math.min(H, Math.ceil(box.y + box.height + params.padding));
    if (x1 <= x0 || y1 <= y0) {
      throw new NodeInputError(`the crop box ${JSON.stringify(box)} lies outside the ${W}×${H} image`, inputs.bbox === undefined ? 'x' : 'bbox');
    }
    const rect = { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
    const sharp = await loadSharp();
    const bytes = await sharp(await ctx.artifacts.read(inputs.image)).extract(rect).png().toBuffer();
    return { image: await ctx.artifacts.put(bytes), bbox: { x: rect.left, y: rect.top, width: rect.width, height: rect.height } };
  },
});
