// The one place single-process and queue mode part ways: with ATELIER_REDIS_URL the runs go
// through the queue; without it nothing here loads Redis or BullMQ.
import type { AssetFiles, Credentials } from '../../nodes/api';
import type { NodeRegistry } from '../engine/registry';
import type { RunManager } from '../engine/run-manager';
import type { Store } from '../store';
import { queueConfig } from './config';
import { QueueRuns } from './queue-runs';
import type { RunService, WorkerDirectory } from './run-service';

export interface RunServiceParts {
  local: RunManager;
  registry: NodeRegistry;
  store: Store;
  credentials: Credentials;
  assets: AssetFiles;
  env: NodeJS.ProcessEnv;
  log(message: string): void;
  noWorker?: boolean;
}

export function chooseRunService(parts: RunServiceParts): { runs: RunService; workers?: WorkerDirectory; queueMode: boolean } {
  const config = queueConfig(parts.env);
  if (!config) return { runs: parts.local, queueMode: false };
  const raw = parts.env.ATELIER_WORKER_CONCURRENCY;
  const workerConcurrency = raw ? Number(raw) : undefined;
  if (workerConcurrency !== undefined && (!Number.isInteger(workerConcurrency) || workerConcurrency < 1 || workerConcurrency > 256)) {
    throw new Error(`ATELIER_WORKER_CONCURRENCY must be an integer from 1 to 256, got "${raw}"`);
  }
  const queue = new QueueRuns({ ...parts, config, validator: parts.local, inProcessWorker: !parts.noWorker, workerConcurrency });
  parts.log(`queue mode: runs go through Redis at ${redactUrl(config.redisUrl)}${parts.noWorker ? ' (no worker in this process)' : ' (one worker in this process)'}`);
  return { runs: queue, workers: queue, queueMode: true };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
