// Wires the registry, store, flows and runs together: what the server, CLI and benchmarks use.
import { resolve, join } from 'node:path';
import type { AnyNodeDefinition, ProviderInfo } from '../nodes/api';
import { builtinNodes, providers as builtinProviders } from '../nodes/index';
import { assetFiles } from './assets';
import { createCredentials, type ReloadableCredentials } from './credentials';
import { NodeRegistry } from './engine/registry';
import { RunManager } from './engine/run-manager';
import { chooseRunService } from './queue/create';
import { GcPasses } from './gc-pass';
import type { RunService, WorkerDirectory } from './queue/run-service';
import { openStore, type Store } from './store';
import { closeRunsLeftUnfinished } from './store/close-left-runs';
import { FlowStore } from './store/flows';
import { installGalleryFlows } from './flow-png';
import { paramsSnapshotLookup } from './params-snapshot';
import { BatchManager } from './batches/batch-manager';
import { BatchStore } from './store/batches';

export interface AtelierOptions {
  /** ATELIER_DATA, default ./data */
  dataDir?: string;
  /** default ./flows (assets under flows/assets/) */
  flowsDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra node types (tests register a waiting node this way). */
  nodes?: AnyNodeDefinition[];
  log?: (message: string) => void;
  /** Queue mode (ATELIER_REDIS_URL): run no worker in this process (`atelier serve --no-worker`). */
  noWorker?: boolean;
}

export interface Atelier {
  registry: NodeRegistry;
  store: Store;
  flows: FlowStore;
  runs: RunService;
  /** Queue mode only: the workers executing runs. */
  workers?: WorkerDirectory;
  batches: BatchManager;
  /** Retention passes (`atelier gc`, POST /api/gc, ATELIER_RETENTION_DAYS), one at a time. */
  gc: GcPasses;
  credentials: ReloadableCredentials;
  providers: ProviderInfo[];
  close(): Promise<void>;
}

export function createAtelier(options: AtelierOptions = {}): Atelier {
  const env = options.env ?? process.env;
  const store = openStore(options.dataDir ?? env.ATELIER_DATA ?? './data', { cacheMemoryEntries: cacheMemoryEntries(env), artifactsDir: env.ATELIER_ARTIFACTS_DIR || undefined });
  const log = options.log ?? ((message: string) => console.error(`[atelier] ${message}`));
  closeRunsLeftUnfinished(store, env, log); // safe only because the CLI and the server hold the lock before this
  const flowsDir = resolve(options.flowsDir ?? 'flows');
  const registry = new NodeRegistry([...builtinNodes, ...(options.nodes ?? [])], paramsSnapshotLookup(builtinNodes));
  const credentials = createCredentials(env);
  installGalleryFlows(store, registry);
  const assets = assetFiles(join(flowsDir, 'assets'));
  const flows = new FlowStore(flowsDir);
  const local = new RunManager({
    flows,
    registry,
    store,
    credentials,
    assets,
    env,
    log,
  });
  const { runs, workers } = chooseRunService({ local, registry, store, credentials, assets, env, log, noWorker: options.noWorker });
  return {
    registry,
    store,
    flows,
    runs,
    workers,
    batches: new BatchManager(runs, new BatchStore(store.db), env, log),
    gc: new GcPasses(store, flowsDir, env.ATELIER_REDIS_URL || undefined),
    credentials,
    providers: builtinProviders,
    async close() {
      await runs.shutdown();
      try {
        store.close();
      } catch (error) {
        log(`closing the store: ${(error as Error).message}`);
      }
    },
  };
}

function cacheMemoryEntries(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.ATELIER_CACHE_MEMORY_ENTRIES;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ATELIER_CACHE_MEMORY_ENTRIES must be a positive integer, got "${raw}"`);
  return n;
}
