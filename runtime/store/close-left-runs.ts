// What every process that opens a data dir does first, holding its lock (store/lock.ts): runs a dead
// process left queued or running are marked interrupted, with a final event. In queue mode they may
// still run on workers: QueueRuns re-attaches them instead.
import type { Store } from './index';

export function closeRunsLeftUnfinished(store: Store, env: NodeJS.ProcessEnv, log: (message: string) => void): void {
  if (env.ATELIER_REDIS_URL) return;
  const interrupted = store.runs.closeInterrupted();
  if (interrupted) log(`${interrupted} run(s) left unfinished by an earlier process are marked interrupted`);
}
