// The local backend run off the event loop, on the shared CPU worker pool (piscina, loaded on first use).
import { loadSharp } from '../load-sharp';
import type { SegmentOutputs } from './local-job';
import type { SegmentParams } from './params';
import type { RemoteAnswer } from './remote-client';
import type { RgbImage, SegmentPrompt, SegmentResult } from './types';

export async function segmentOnCpu(image: RgbImage, prompt: SegmentPrompt, signal: AbortSignal): Promise<SegmentResult> {
  const { runCpuTask } = await import('../gpu/worker-pool');
  return runCpuTask<SegmentResult>('segment', { image, prompt }, signal);
}

/** Decode, segment and encode the outputs in one pool thread (local-job.ts). */
export async function segmentImageOnCpu(bytes: Uint8Array, params: SegmentParams, signal: AbortSignal): Promise<SegmentOutputs> {
  // sharp's native library stays loaded by this thread, so a pool thread that ends does not unload it (sharp's worker-thread advice).
  await loadSharp();
  const { runCpuTask } = await import('../gpu/worker-pool');
  return runCpuTask<SegmentOutputs>('segmentImage', { bytes, params }, signal);
}

/** Decode the image and the service's masks, and encode the outputs, in one pool thread (remote-job.ts). */
export async function renderRemoteOnCpu(bytes: Uint8Array, params: SegmentParams, answer: RemoteAnswer, signal: AbortSignal): Promise<SegmentOutputs> {
  await loadSharp();
  const { runCpuTask } = await import('../gpu/worker-pool');
  return runCpuTask<SegmentOutputs>('renderRemoteAnswer', { bytes, params, answer }, signal);
}
