// The local backend run off the event loop, on the shared CPU worker pool (piscina, loaded on first use).
import type { RgbImage, SegmentPrompt, SegmentResult } from './types';

export async function segmentOnCpu(image: RgbImage, prompt: SegmentPrompt, signal: AbortSignal): Promise<SegmentResult> {
  const { runCpuTask } = await import('../gpu/worker-pool');
  return runCpuTask<SegmentResult>('segment', { image, prompt }, signal);
}
