// `atelier gc [--days N] [--dry-run]`: a retention pass on the data dir, here (holding its lock), or
// on the live server that holds it. In queue mode (ATELIER_REDIS_URL) the shared cache in Redis is a
// reference source too: gc keeps what it names.
import { join, resolve } from 'node:path';
import { GcPasses, gcReportLines, MAX_GC_DAYS, type GcPassReport } from '../gc-pass';
import { openStore } from '../store';
import { closeRunsLeftUnfinished } from '../store/close-left-runs';
import { retentionDays } from '../store/gc';
import { acquireLock, type LockInfo } from '../store/lock';
import { parseCount, UsageError } from './args';
import { RemoteError, RemoteRuns, serverUrl } from './remote-run';
import { serverHolding } from './server-holding';

export interface GcCommand {
  dataDir: string;
  flowsDir: string;
  days?: string;
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
}

export async function gcCommand(command: GcCommand): Promise<number> {
  const days = command.days !== undefined ? parseCount(command.days, '--days', MAX_GC_DAYS) : retentionDays(command.env);
  if (days === undefined) throw new UsageError('atelier gc needs a retention: --days N or ATELIER_RETENTION_DAYS=N (runs older than N days go)');
  const holder = await serverHolding(command.dataDir);
  if (holder) return gcRemote(holder, command, days);
  const lock = acquireLock(command.dataDir, 'gc');
  try {
    const store = openStore(command.dataDir);
    try {
      // Else a dead process's runs would look live, and gc keep every artifact stored since they began.
      closeRunsLeftUnfinished(store, command.env, (message) => console.error(`[atelier] ${message}`));
      const passes = new GcPasses(store, resolve(command.flowsDir), command.env.ATELIER_REDIS_URL || undefined);
      const report = await passes.run({ days, dryRun: command.dryRun });
      for (const line of gcReportLines(report, join(store.dataDir))) console.log(line);
      return 0;
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}

/** The pass runs on the server holding the data dir (its flows, its Redis), printed as a local one. */
async function gcRemote(holder: LockInfo, command: GcCommand, days: number): Promise<number> {
  const remote = new RemoteRuns(serverUrl(holder), command.env.ATELIER_TOKEN || undefined);
  console.error(`[atelier] the data dir is held by atelier serve (pid ${holder.pid}); running gc on it at ${remote.base}`);
  let report: GcPassReport;
  try {
    report = await remote.gc(days, command.dryRun);
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    console.error(`atelier: ${error.message}`);
    return 1;
  }
  for (const line of gcReportLines(report, resolve(command.dataDir))) console.log(line);
  return 0;
}
