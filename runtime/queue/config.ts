// Queue-mode settings from the environment, and the Redis key names every process agrees on.

export interface QueueConfig {
  redisUrl: string;
  /** How long a worker's claim on a run lasts without renewal: a SIGKILLed worker's run is handed on after about this long. */
  lockMs: number;
  /** How often workers look for runs whose worker stopped renewing its claim. */
  stalledIntervalMs: number;
  /** A run whose worker dies this many times fails with a clear error instead of being retried forever. */
  attempts: number;
  heartbeatMs: number;
}

export const QUEUE_NAME = 'atelier-runs';

export function queueConfig(env: NodeJS.ProcessEnv): QueueConfig | undefined {
  const redisUrl = env.ATELIER_REDIS_URL;
  if (!redisUrl) return undefined;
  if (!/^rediss?:\/\//.test(redisUrl)) throw new Error(`ATELIER_REDIS_URL must look like redis://host:port[/db], got "${redisUrl}"`);
  return {
    redisUrl,
    lockMs: positiveInt(env, 'ATELIER_QUEUE_LOCK_MS', 30_000),
    stalledIntervalMs: positiveInt(env, 'ATELIER_QUEUE_STALLED_INTERVAL_MS', 15_000),
    attempts: positiveInt(env, 'ATELIER_RUN_ATTEMPTS', 3),
    heartbeatMs: positiveInt(env, 'ATELIER_WORKER_HEARTBEAT_MS', 2_000),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export const keys = {
  events: (runId: string) => `atelier:run:${runId}:events`,
  seq: (runId: string) => `atelier:run:${runId}:seq`,
  cancel: (runId: string) => `atelier:run:${runId}:cancel`,
  cache: (key: string) => `atelier:cache:${key}`,
  flight: (key: string) => `atelier:flight:${key}`,
  flightOutcome: (flight: string) => `atelier:flight-outcome:${flight}`,
  semaphore: (key: string) => `atelier:limit:${key}`,
  worker: (id: string) => `atelier:worker:${id}`,
  workerPattern: 'atelier:worker:*',
  cancelChannel: 'atelier:cancel',
};
