// One worker-thread pool (piscina) for the CPU-heavy work of the local backends:
// GrabCut segmentation with its refinement, and the 3D inflate. The event loop stays free for the API
// while they run; a node's AbortSignal cancels its task (piscina ends the thread that runs it).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { NodeInputError } from '../api';
import type { TaskFailure } from './cpu-tasks';

export type CpuTaskName = 'segment' | 'segmentImage' | 'renderRemoteAnswer' | 'inflateObject' | 'objectCutout' | 'spin';

let pool: Piscina | undefined;

/**
 * The worker entry next to this module: the compiled `cpu-tasks.js` when it exists (a build), else
 * `cpu-worker-dev.mjs`, which loads `cpu-tasks.ts` through tsx (development and tests).
 */
export function workerEntry(moduleUrl: string = import.meta.url): string {
  for (const name of ['./cpu-tasks.js', './cpu-worker-dev.mjs']) {
    const url = new URL(name, moduleUrl);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  throw new Error(`no CPU worker entry next to ${fileURLToPath(moduleUrl)} (expected cpu-tasks.js or cpu-worker-dev.mjs)`);
}

export function cpuPool(): Piscina {
  pool ??= new Piscina({
    filename: workerEntry(),
    maxThreads: cpuThreads(process.env),
    minThreads: 0,
    // Loading OpenCV.js takes a while: keep a warm thread for a minute between tasks.
    idleTimeout: 60_000,
  });
  return pool;
}

/**
 * Threads of the pool: ATELIER_CPU_THREADS, else all cores but one. One core stays with the event
 * loop, so the API answers while the pool is busy (on 2 cores under load, bench/segment.ts measured
 * the API's p99 at 312 ms with 2 threads, 72 ms with 1). Several worker processes on one machine
 * (queue mode) each size their pool with ATELIER_CPU_THREADS so that together they fit the cores.
 */
export function cpuThreads(env: NodeJS.ProcessEnv): number {
  const raw = env.ATELIER_CPU_THREADS;
  if (raw === undefined || raw.trim() === '') return Math.max(1, availableParallelism() - 1);
  const threads = Number(raw);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new Error(`ATELIER_CPU_THREADS must be an integer from 1 to 256, got "${raw}"`);
  return threads;
}

/** Runs one task on the pool; an abort rejects with the signal's reason and stops the task's thread. */
export async function runCpuTask<T>(name: CpuTaskName, task: unknown, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let result: T | TaskFailure;
  try {
    result = (await cpuPool().run(task, { name, signal })) as T | TaskFailure;
  } catch (error) {
    signal.throwIfAborted();
    throw error;
  }
  if (result && typeof result === 'object' && 'failed' in result) {
    const { message, name: errorName, field } = result.failed;
    if (errorName === 'NodeInputError' || field) throw new NodeInputError(message, field);
    throw new Error(message);
  }
  return result;
}

/** Stops the pool's threads (tests, shutdown); the next task starts a new pool. */
export async function closeCpuPool(): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.destroy();
}
