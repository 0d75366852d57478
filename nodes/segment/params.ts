// sam2.segment's params, and the checks that need the image (prompts inside its bounds).
import { z } from 'zod';
import { NodeInputError } from '../api';
import type { SegmentPrompt } from './types';

const PromptPointSchema = z
  .object({
    x: z.number().meta({ description: 'Source-image pixels from the left' }),
    y: z.number().meta({ description: 'Source-image pixels from the top' }),
    label: z.union([z.literal(0), z.literal(1)]).default(1).meta({ description: '1 = object, 0 = background' }),
  })
  .meta({ title: 'Point' });

export const segmentParams = z
  .object({
    points: z.array(PromptPointSchema).default([]).meta({ widget: 'points', description: 'Clicks in source-image pixels: label 1 = object, 0 = background' }),
    box: z
      .tuple([z.number(), z.number(), z.number(), z.number()])
      .optional()
      .meta({ widget: 'box', description: 'Optional box [x0, y0, x1, y1] around the object, in source-image pixels' }),
    multimask: z.boolean().default(false).meta({ widget: 'multimask', description: 'Ask for several candidate masks (useful for a single ambiguous click)' }),
    pick: z
      .union([z.literal('best'), z.number().int().min(0)])
      .default('best')
      .meta({ widget: 'mask-pick', description: '"best" = the highest-scoring candidate, or a candidate index' }),
    backend: z
      .enum(['auto', 'remote', 'local'])
      .default('auto')
      .meta({ description: 'auto: the SAM2 service when SAM2_URL is set and ready, else the local CPU backend' }),
  })
  .refine((p) => p.box !== undefined || p.points.some((point) => point.label === 1), {
    message: 'give at least one object point (label 1) or a box',
    path: ['points'],
  })
  .refine((p) => p.box === undefined || (p.box[2] > p.box[0] && p.box[3] > p.box[1]), {
    message: 'box must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0',
    path: ['box'],
  });

export type SegmentParams = z.infer<typeof segmentParams>;

/** Throws a NodeInputError naming `points[i]` or `box` when a prompt lies outside the width×height image. */
export function checkPromptInside(params: Pick<SegmentParams, 'points' | 'box'>, width: number, height: number): void {
  params.points.forEach((p, i) => {
    if (!(p.x >= 0 && p.x < width && p.y >= 0 && p.y < height)) {
      throw new NodeInputError(`points[${i}] (${p.x}, ${p.y}) lies outside the ${width}×${height} image`, `points[${i}]`);
    }
  });
  if (params.box) {
    const [x0, y0, x1, y1] = params.box;
    if (!(x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height && x1 > x0 && y1 > y0)) {
      throw new NodeInputError(`box [${params.box.join(', ')}] must lie inside the ${width}×${height} image with x1 > x0 and y1 > y0`, 'box');
    }
  }
}

export function toPrompt(params: SegmentParams): SegmentPrompt {
  return { points: params.points.map((p) => ({ x: p.x, y: p.y, label: p.label })), box: params.box, multimask: params.multimask };
}
