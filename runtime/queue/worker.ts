// A queue worker: takes runs from the BullMQ queue and executes them (any number of these, in any
// process that reaches Redis and the artifact store). A run whose worker stops renewing its lock
// (SIGKILL, crash, lost machine) is handed to another worker by BullMQ's stalled-job check.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import type { AssetFiles, Credentials } from '../../nodes/api';
import type { NodeRegistry } from '../engine/registry';
import { keys, QUEUE_NAME, type QueueConfig } from './config';
import type { SharedArtifactStore } from './dir-artifacts';
import { connectRedis, ConnectionSet, settleWithin } from './redis';
import { executeRunJob, type RunJobData } from './run-job';
import type { WorkerInfo } from './run-service';
import { SharedCache } from './shared-cache';
import { SharedSingleFlight } from './shared-flight';
import { SharedLimiters } from './shared-limiters';

/** Runs a worker executes at once unless told otherwise: most of a run's time is spent waiting on providers. */
export const DEFAULT_CONCURRENCY = 4;

export interface QueueWorkerOptions {
  config: QueueConfig;
  registry: NodeRegistry;
  credentials: Credentials;
  assets: AssetFiles;
  artifacts: SharedArtifactStore;
  env: NodeJS.ProcessEnv;
  log(message: string): void;
  /** Runs executed at once (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
}

export interface QueueWorker {
  id: string;
  /** Stops taking runs. `force` abandons running ones to the stalled check (another worker resumes them). */
  close(force?: boolean): Promise<void>;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { config, log } = options;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new Error(`worker concurrency must be an integer from 1 to 256, got ${concurrency}`);
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const connections = new ConnectionSet(await connectRedis(config.redisUrl, log, `atelier-worker-${id}`), log, `atelier-worker-${id}`);
  const redis = connections.main;
  const subscriber = connections.duplicate('cancel');
  const cache = new SharedCache(redis, log, (hash) => options.artifacts.exists(hash));
  const limiters = new SharedLimiters(redis, options.env, log);
  const flights = new SharedSingleFlight(redis, log, (hash) => options.artifacts.exists(hash));
  const active = new Map<string, AbortController>();

  subscriber.on('message', (_channel: string, runId: string) => active.get(runId)?.abort(new Error('cancelled')));
  await subscriber.subscribe(keys.cancelChannel);

  const process_ = async (job: Job<RunJobData>) => {
    const { runId } = job.data;
    const controller = new AbortController();
    active.set(runId, controller);
    try {
      // Not awaited: its reply comes before that of the run's first command on the same connection
      // (reading the run's stream), so a run cancelled while queued is aborted before it starts.
      redis.exists(keys.cancel(runId)).then(
        (flagged) => flagged && controller.abort(new Error('cancelled')),
        (error: Error) => log(`run ${runId}: its cancel flag cannot be read (${error.message})`),
      );
      const attempt = Math.max(job.attemptsStarted ?? 0, (job.stalledCounter ?? 0) + 1);
      await executeRunJob(
        { workerId: id, registry: options.registry, credentials: options.credentials, assets: options.assets, artifacts: options.artifacts, redis, cache, flights, limiters, log },
        job.data,
        attempt,
        controller.signal,
      );
    } finally {
      active.delete(runId);
    }
  };

  const { Worker: BullWorker } = await import('bullmq');
  const worker: Worker<RunJobData> = new BullWorker<RunJobData>(QUEUE_NAME, process_, {
    connection: connections.duplicate('bullmq'),
    concurrency,
    lockDuration: config.lockMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.attempts - 1,
  });
  worker.on('error', (error) => log(`worker ${id}: ${error.message}`));

  const startedAt = new Date().toISOString();
  const beat = () => {
    const info: WorkerInfo = { id, host: hostname(), pid: process.pid, concurrency, runs: [...active.keys()], startedAt, lastHeartbeat: new Date().toISOString() };
    redis.set(keys.worker(id), JSON.stringify(info), 'PX', config.heartbeatMs * 5).catch((error: Error) => log(`worker ${id}: heartbeat failed (${error.message})`));
  };
  beat();
  const heartbeat = setInterval(beat, config.heartbeatMs);
  heartbeat.unref();

  return {
    id,
    async close(force = false) {
      clearInterval(heartbeat);
      await worker.close(force);
      await settleWithin(redis.del(keys.worker(id)), 1000);
      connections.closeAll();
    },
  };
}
