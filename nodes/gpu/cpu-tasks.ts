// The CPU-heavy work of the GPU nodes' local backends, run inside worker threads (see worker-pool.ts).
// Each task takes and returns plain data (typed arrays are copied or moved, never shared).
import { inflate, type InflateInput } from '../threed/inflate';
import { segmentLocally } from '../segment/local-grabcut';
import { segmentImageLocally, type SegmentOutputs } from '../segment/local-job';
import type { SegmentParams } from '../segment/params';
import type { RgbImage, SegmentPrompt, SegmentResult } from '../segment/types';
import { writePly } from '../../model/ply';

/** What a task throws, carried across the thread boundary (class and `field` do not survive cloning). */
export interface TaskFailure {
  failed: { message: string; name: string; field?: string };
}

export async function segment(task: { image: RgbImage; prompt: SegmentPrompt }): Promise<SegmentResult | TaskFailure> {
  return segmentLocally(task.image, task.prompt).catch(toFailure);
}

/** The whole local segmentation: image bytes in, the node's PNGs and facts out. */
export async function segmentImage(task: { bytes: Uint8Array; params: SegmentParams }): Promise<SegmentOutputs | TaskFailure> {
  return segmentImageLocally(task).catch(toFailure);
}

export async function inflateToPly(task: InflateInput): Promise<{ ply: Uint8Array; count: number } | TaskFailure> {
  try {
    const gaussians = inflate(task);
    return { ply: writePly(gaussians), count: gaussians.count };
  } catch (error) {
    return toFailure(error);
  }
}

/** Milliseconds of busy CPU: lets tests and benchmarks hold a worker without a real workload. */
export function spin(task: { ms: number }): number {
  const end = performance.now() + task.ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

function toFailure(error: unknown): TaskFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  const field = (e as Error & { field?: unknown }).field;
  return { failed: { message: e.message, name: e.name, ...(typeof field === 'string' ? { field } : {}) } };
}
