// `atelier worker [--concurrency N]`: executes queued runs (needs ATELIER_REDIS_URL and the shared
// artifact directory, ATELIER_ARTIFACTS_DIR, default $ATELIER_DATA/artifacts).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AnyNodeDefinition } from '../../nodes/api';
import { builtinNodes } from '../../nodes/index';
import { assetFiles } from '../assets';
import { createCredentials } from '../credentials';
import { NodeRegistry } from '../engine/registry';
import { queueConfig } from './config';
import { DirArtifacts } from './dir-artifacts';
import { DEFAULT_CONCURRENCY, startQueueWorker, type QueueWorker } from './worker';

export const WORKER_USAGE = `  atelier worker [--concurrency N]                       execute queued runs (queue mode: ATELIER_REDIS_URL)`;

export interface WorkerProcessOptions {
  env?: NodeJS.ProcessEnv;
  concurrency?: number;
  /** Extra node types (tests register counting nodes this way). */
  nodes?: AnyNodeDefinition[];
  log?: (message: string) => void;
}

export async function startWorkerProcess(options: WorkerProcessOptions = {}): Promise<QueueWorker & { artifactsDir: string }> {
  const env = options.env ?? process.env;
  const config = queueConfig(env);
  if (!config) throw new Error('atelier worker needs ATELIER_REDIS_URL=redis://host:port[/db] (the same Redis as the API)');
  const artifactsDir = resolve(env.ATELIER_ARTIFACTS_DIR || join(env.ATELIER_DATA ?? './data', 'artifacts'));
  const assetsDir = join(resolve(env.ATELIER_FLOWS ?? 'flows'), 'assets');
  const worker = await startQueueWorker({
    config,
    registry: new NodeRegistry([...builtinNodes, ...(options.nodes ?? [])]),
    credentials: createCredentials(env),
    assets: assetFiles(assetsDir),
    artifacts: new DirArtifacts(artifactsDir),
    env,
    log: options.log ?? ((message) => console.error(`[atelier worker] ${message}`)),
    concurrency: options.concurrency,
  });
  return { ...worker, artifactsDir };
}

export async function workerCommand(argv: string[], options: Omit<WorkerProcessOptions, 'concurrency'> = {}): Promise<number> {
  let raw: string | undefined;
  try {
    raw = parseArgs({ args: argv, options: { concurrency: { type: 'string' } }, strict: true }).values.concurrency;
  } catch (error) {
    console.error(`atelier worker: ${(error as Error).message}\n${WORKER_USAGE}`);
    return 2;
  }
  raw ??= (options.env ?? process.env).ATELIER_WORKER_CONCURRENCY;
  const concurrency = raw === undefined ? DEFAULT_CONCURRENCY : Number(raw);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    console.error(`atelier worker: --concurrency must be an integer from 1 to 256, got "${raw}"`);
    return 2;
  }
  const worker = await startWorkerProcess({ ...options, concurrency });
  console.log(`Atelier worker ${worker.id} is taking runs (${concurrency} at a time; artifacts: ${worker.artifactsDir})`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await worker.close();
  return 0;
}
