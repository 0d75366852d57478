// lgm.3d's pixel work run off the event loop, on the shared CPU worker pool (piscina, loaded on first use).
import { loadSharp } from '../load-sharp';
import type { ObjectFacts, ObjectJob } from './object-job';

/** Decodes the inputs, inflates the object and writes its PLY in a worker thread. */
export async function inflateOnCpu(job: ObjectJob, signal: AbortSignal): Promise<ObjectFacts & { ply: Uint8Array; count: number }> {
  return runObjectTask('inflateObject', job, signal);
}

/** Decodes the inputs and cuts the object out for the LGM service in a worker thread. */
export async function cutoutOnCpu(job: ObjectJob, signal: AbortSignal): Promise<ObjectFacts & { png: Uint8Array }> {
  return runObjectTask('objectCutout', job, signal);
}

async function runObjectTask<T>(name: 'inflateObject' | 'objectCutout', job: ObjectJob, signal: AbortSignal): Promise<T> {
  // sharp's native library stays loaded by this thread, so a pool thread that ends does not unload it (sharp's worker-thread advice).
  await loadSharp();
  const { runCpuTask } = await import('../gpu/worker-pool');
  return runCpuTask<T>(name, job, signal);
}
