// The CPU-heavy work of the GPU nodes (their local backends, and the pixels around a remote call), run
// inside worker threads (see worker-pool.ts).
// Each task takes and returns plain data (typed arrays are copied or moved, never shared).
import { inflateObject as inflateObjectJob, objectCutout as objectCutoutJob, type ObjectJob } from '../threed/object-job';
import { segmentLocally } from '../segment/local-grabcut';
import { segmentImageLocally, type SegmentOutputs } from '../segment/local-job';
import type { RemoteAnswer } from '../segment/remote-client';
import { renderRemoteAnswer as renderRemoteAnswerJob } from '../segment/remote-job';
import type { SegmentParams } from '../segment/params';
import type { RgbImage, SegmentPrompt, SegmentResult } from '../segment/types';

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

/** sam2.segment's remote backend: the service's masks and the image's bytes in, the node's pictures out. */
export async function renderRemoteAnswer(task: { bytes: Uint8Array; params: SegmentParams; answer: RemoteAnswer }): Promise<SegmentOutputs | TaskFailure> {
  return renderRemoteAnswerJob(task).catch(toFailure);
}

/** lgm.3d's local backend: image bytes in, the PLY and where the object is out. */
export async function inflateObject(task: ObjectJob) {
  return inflateObjectJob(task).catch(toFailure);
}

/** lgm.3d's remote backend: image bytes in, the cutout PNG for the service and where the object is out. */
export async function objectCutout(task: ObjectJob) {
  return objectCutoutJob(task).catch(toFailure);
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
