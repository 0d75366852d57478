// Wires the registry, store, flows and runs together: what the server, CLI and benchmarks use.
import { resolve, join } from 'node:path';
import type { AnyNodeDefinition, Credentials, ProviderInfo } from '../nodes/api';
import { builtinNodes, providers as builtinProviders } from '../nodes/index';
import { readAsset } from './assets';
import { createCredentials } from './credentials';
import { NodeRegistry } from './engine/registry';
import { RunManager } from './engine/run-manager';
import { openStore, type Store } from './store';
import { FlowStore } from './store/flows';
import { installGalleryFlows } from './flow-png';
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
}

export interface Atelier {
  registry: NodeRegistry;
  store: Store;
  flows: FlowStore;
  runs: RunManager;
  batches: BatchManager;
  credentials: Credentials;
  providers: ProviderInfo[];
  close(): Promise<void>;
}

export function createAtelier(options: AtelierOptions = {}): Atelier {
  const env = options.env ?? process.env;
  const store = openStore(options.dataDir ?? env.ATELIER_DATA ?? './data');
  const interrupted = store.runs.markInterrupted();
  const log = options.log ?? ((message: string) => console.error(`[atelier] ${message}`));
  if (interrupted) log(`${interrupted} run(s) left unfinished by an earlier process are marked interrupted`);
  const flowsDir = resolve(options.flowsDir ?? 'flows');
  const registry = new NodeRegistry([...builtinNodes, ...(options.nodes ?? [])]);
  const credentials = createCredentials(env);
  installGalleryFlows(store, registry);
  const assetsDir = join(flowsDir, 'assets');
  const flows = new FlowStore(flowsDir);
  const runs = new RunManager({
    flows,
    registry,
    store,
    credentials,
    assets: { read: (name) => readAsset(assetsDir, name) },
    env,
    log,
  });
  return {
    registry,
    store,
    flows,
    runs,
    batches: new BatchManager(runs, new BatchStore(store.db)),
    credentials,
    providers: builtinProviders,
    async close() {
      await runs.shutdown();
      store.close();
    },
  };
}
