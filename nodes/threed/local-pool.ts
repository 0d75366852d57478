// The local inflate backend run off the event loop, on the shared CPU worker pool (piscina, loaded on first use).
import type { InflateInput } from './inflate';

/** Inflates the object and writes its PLY in a worker thread. */
export async function inflateOnCpu(input: InflateInput, signal: AbortSignal): Promise<{ ply: Uint8Array; count: number }> {
  const { runCpuTask } = await import('../gpu/worker-pool');
  return runCpuTask('inflateToPly', { rgba: input.rgba, mask: input.mask, width: input.width, height: input.height, bbox: input.bbox }, signal);
}
