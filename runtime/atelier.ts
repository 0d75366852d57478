// Wires the registry, store, flows and runs together: what the server, CLI and benchmarks use.
import { resolve, join } from 'node:path';
import type { AnyNodeDefinition, ProviderInfo } from '../nodes/api';
import { builtinNodes, providers as builtinProviders } from '../nodes/index';
import { readAsset } from './assets';
import { createCredentials, type ReloadableCredentials } from './credentials';
import { NodeRegistry } from './engine/registry';
import { RunManager } from './engine/run-manager';
import { openStore, type Store } from './store';
import { FlowStore } from './store/flows';

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
  credentials: ReloadableCredentials;
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
  const assetsDir = join(flowsDir, 'assets');
  const runs = new RunManager({
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
    flows: new FlowStore(flowsDir),
    runs,
    credentials,
    providers: builtinProviders,
    async close() {
      await runs.shutdown();
      store.close();
    },
  };
}
