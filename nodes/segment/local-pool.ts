// The local backend run off the event loop, on the shared CPU worker pool.
import { runCpuTask } from '../gpu/worker-pool';
import type { RgbImage, SegmentPrompt, SegmentResult } from './types';

export function segmentOnCpu(image: RgbImage, prompt: SegmentPrompt, signal: AbortSignal): Promise<SegmentResult> {
  return runCpuTask<SegmentResult>('segment', { image, prompt }, signal);
}
