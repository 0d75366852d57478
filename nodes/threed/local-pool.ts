// The local inflate backend run off the event loop, on the shared CPU worker pool.
import { runCpuTask } from '../gpu/worker-pool';
import type { InflateInput } from './inflate';

/** Inflates the object and writes its PLY in a worker thread. */
export function inflateOnCpu(input: InflateInput, signal: AbortSignal): Promise<{ ply: Uint8Array; count: number }> {
  return runCpuTask('inflateToPly', { rgba: input.rgba, mask: input.mask, width: input.width, height: input.height, bbox: input.bbox }, signal);
}
