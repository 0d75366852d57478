// sam2.segment's params, and turning them into a prompt in the image's pixels (prompts may be given
// as fractions of the image, so a flow keeps pointing at the same spot when the image size changes).
import { z } from 'zod';
import { NodeInputError } from '../api';
import type { PromptBox, PromptPoint, SegmentPrompt } from './types';

const Unit = z
  .enum(['px', 'fraction'])
  .default('px')
  .meta({ description: 'px = source-image pixels; fraction = 0..1 of the image width/height (survives a new image size)' });

const PromptPointSchema = z
  .object({
    x: z.number().meta({ description: 'From the left: pixels, or 0..1 with unit "fraction"' }),
    y: z.number().meta({ description: 'From the top: pixels, or 0..1 with unit "fraction"' }),
    label: z.union([z.literal(0), z.literal(1)]).default(1).meta({ description: '1 = object, 0 = background' }),
    unit: Unit,
  })
  .refine((p) => p.unit === 'px' || (p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1), {
    message: 'a point with unit "fraction" needs x and y in 0..1',
  })
  .meta({ title: 'Point' });

const BoxObjectSchema = z
  .object({ x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number(), unit: Unit })
  .refine((b) => b.unit === 'px' || [b.x0, b.y0, b.x1, b.y1].every((v) => v >= 0 && v <= 1), {
    message: 'a box with unit "fraction" needs x0, y0, x1, y1 in 0..1',
  });

const BoxSchema = z
  .union([z.tuple([z.number(), z.number(), z.number(), z.number()]), BoxObjectSchema])
  .meta({ widget: 'box', description: 'Optional box around the object: [x0, y0, x1, y1] in pixels, or {x0, y0, x1, y1, unit: "fraction"}' });

export const segmentParams = z
  .object({
    points: z
      .array(PromptPointSchema)
      .max(64)
      .default([])
      .meta({
        widget: 'points',
        description:
          'Clicks: label 1 = object, 0 = background; pixels, or fractions of the image with unit "fraction". No points and no box: the most salient object',
      }),
    box: BoxSchema.optional(),
    multimask: z.boolean().default(false).meta({ widget: 'multimask', description: 'Ask for several candidate masks (useful for a single ambiguous click)' }),
    pick: z
      .union([z.literal('best'), z.number().int().min(0)])
      .default('best')
      .meta({ widget: 'mask-pick', description: '"best" = the highest-scoring candidate, or a candidate index' }),
    backend: z
      .enum(['auto', 'remote', 'local'])
      .default('auto')
      .meta({ description: 'auto: the SAM2 service when SAM2_URL is set and answers, else the local CPU backend (the run says why)' }),
    timeoutSeconds: z
      .number()
      .min(1)
      .max(3600)
      .default(120)
      .meta({ description: 'How long to wait for a starting or warming SAM2 service (and to retry its failures) before giving up' }),
  })
  .refine((p) => p.box !== undefined || p.points.length === 0 || p.points.some((point) => point.label === 1), {
    message: 'background points alone do not say which object: add an object point (label 1) or a box, or give no prompt to segment the most salient object',
    path: ['points'],
  })
  .refine((p) => p.box === undefined || (boxCorners(p.box)[2] > boxCorners(p.box)[0] && boxCorners(p.box)[3] > boxCorners(p.box)[1]), {
    message: 'box must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0',
    path: ['box'],
  });

export type SegmentParams = z.infer<typeof segmentParams>;

type BoxParam = z.infer<typeof BoxSchema>;

function boxCorners(box: BoxParam): [number, number, number, number] {
  return Array.isArray(box) ? box : [box.x0, box.y0, box.x1, box.y1];
}

/**
 * The prompt in source-image pixels. Fractions become pixels (a point at fraction 1 lands on the last
 * pixel); pixel prompts outside the width×height image are a NodeInputError naming `points[i]` or `box`.
 */
export function toPrompt(params: SegmentParams, width: number, height: number): SegmentPrompt {
  const points: PromptPoint[] = params.points.map((p, i) => {
    const point =
      p.unit === 'fraction'
        ? { x: Math.min(p.x * width, width - 0.5), y: Math.min(p.y * height, height - 0.5), label: p.label }
        : { x: p.x, y: p.y, label: p.label };
    if (!(point.x >= 0 && point.x < width && point.y >= 0 && point.y < height)) {
      throw new NodeInputError(`points[${i}] (${p.x}, ${p.y}) lies outside the ${width}×${height} image`, `points[${i}]`);
    }
    return point;
  });
  let box: PromptBox | undefined;
  if (params.box) {
    const corners = boxCorners(params.box);
    const fraction = !Array.isArray(params.box) && params.box.unit === 'fraction';
    box = fraction ? [corners[0] * width, corners[1] * height, corners[2] * width, corners[3] * height] : corners;
    const [x0, y0, x1, y1] = box;
    if (!(x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height && x1 > x0 && y1 > y0)) {
      throw new NodeInputError(`box [${corners.join(', ')}] must lie inside the ${width}×${height} image with x1 > x0 and y1 > y0`, 'box');
    }
  }
  return { points, box, multimask: params.multimask, salient: asksForSalient(params) };
}

/** No points and no box: the prompt asks for the most salient object. */
export function asksForSalient(params: SegmentParams): boolean {
  return params.points.length === 0 && params.box === undefined;
}
