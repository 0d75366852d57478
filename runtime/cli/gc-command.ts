// `atelier gc [--days N] [--dry-run]`: retention on a data dir no live process holds.
import { join, resolve } from 'node:path';
import { openStore } from '../store';
import { collectGarbage, formatBytes, retentionDays } from '../store/gc';
import { acquireLock } from '../store/lock';
import { parseCount, UsageError } from './args';

export interface GcCommand {
  dataDir: string;
  flowsDir: string;
  days?: string;
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
}

export function gcCommand(command: GcCommand): number {
  const days = command.days !== undefined ? parseCount(command.days, '--days', 36_500) : retentionDays(command.env);
  if (days === undefined) throw new UsageError('atelier gc needs a retention: --days N or ATELIER_RETENTION_DAYS=N (runs older than N days go)');
  const lock = acquireLock(command.dataDir, 'gc');
  try {
    const store = openStore(command.dataDir);
    try {
      const report = collectGarbage(store, { days, flowsDir: resolve(command.flowsDir), dryRun: command.dryRun });
      const verb = command.dryRun ? 'would remove' : 'removed';
      console.log(`gc ${join(store.dataDir)}: keeping the last ${days} day(s) (since ${report.cutoff})`);
      if (command.dryRun) for (const hash of report.removedArtifacts) console.log(`  artifact ${hash}`);
      console.log(`${verb}: ${report.runs} run(s), ${report.events} event(s), ${report.cacheRows} cache row(s), ${report.artifacts} artifact(s)`);
      console.log(`${command.dryRun ? 'would free' : 'freed'}: ${report.bytes} bytes (${formatBytes(report.bytes)})`);
      return 0;
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}
