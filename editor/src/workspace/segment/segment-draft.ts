// The prompts being edited in the Select object dialog, and how they map to and from the node's params
// (the param names come from the node's declared widget hints, see capabilities.ts).
import type { PointPromptCapability } from '../capabilities';

export interface Point {
  x: number;
  y: number;
  label: 0 | 1;
}
export type Box = [number, number, number, number];

export interface Draft {
  points: Point[];
  box?: Box;
  multimask: boolean;
  pick: 'best' | number;
}

export const EMPTY_DRAFT: Draft = { points: [], multimask: false, pick: 'best' };

export function draftFrom(params: Record<string, unknown>, cap: PointPromptCapability): Draft {
  const points = Array.isArray(params[cap.pointsParam]) ? (params[cap.pointsParam] as Point[]).map((p): Point => ({ x: p.x, y: p.y, label: p.label === 0 ? 0 : 1 })) : [];
  const box = cap.boxParam && Array.isArray(params[cap.boxParam]) ? (params[cap.boxParam] as Box) : undefined;
  const pick = cap.pickParam && typeof params[cap.pickParam] === 'number' ? (params[cap.pickParam] as number) : 'best';
  return { points, box, multimask: cap.multimaskParam ? params[cap.multimaskParam] === true : false, pick };
}

export function paramsFrom(base: Record<string, unknown>, cap: PointPromptCapability, d: Draft): Record<string, unknown> {
  const params: Record<string, unknown> = { ...base, [cap.pointsParam]: d.points };
  if (cap.boxParam) {
    if (d.box) params[cap.boxParam] = d.box;
    else delete params[cap.boxParam];
  }
  if (cap.multimaskParam) {
    if (d.multimask) params[cap.multimaskParam] = true;
    else delete params[cap.multimaskParam];
  }
  if (cap.pickParam) {
    if (d.pick === 'best') delete params[cap.pickParam];
    else params[cap.pickParam] = d.pick;
  }
  return params;
}

/** The params patch (for the store's updateParams) that turns `base` into the draft's params: removed keys are undefined. */
export function paramsPatch(base: Record<string, unknown>, cap: PointPromptCapability, d: Draft): Record<string, unknown> {
  const params = paramsFrom(base, cap, d);
  return Object.fromEntries(Object.keys({ ...base, ...params }).map((key) => [key, params[key]]));
}

export const withoutPoint = (d: Draft, index: number): Draft => ({ ...d, points: d.points.filter((_, i) => i !== index) });
export const flipPoint = (d: Draft, index: number): Draft => ({ ...d, points: d.points.map((q, i) => (i === index ? { ...q, label: q.label ? 0 : 1 } : q)) });
