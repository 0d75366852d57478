// `atelier gc [--days N] [--dry-run]`: retention on a data dir no live process holds. In queue mode
// (ATELIER_REDIS_URL) the shared cache in Redis is a reference source too: gc keeps what it names.
import { join, resolve } from 'node:path';
import { openStore } from '../store';
import { collectGarbage, formatBytes, retentionCutoff, retentionDays } from '../store/gc';
import { acquireLock } from '../store/lock';
import { parseCount, UsageError } from './args';
import type { SharedCacheGc } from '../queue/shared-cache-gc';

export interface GcCommand {
  dataDir: string;
  flowsDir: string;
  days?: string;
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
}

export async function gcCommand(command: GcCommand): Promise<number> {
  const days = command.days !== undefined ? parseCount(command.days, '--days', 36_500) : retentionDays(command.env);
  if (days === undefined) throw new UsageError('atelier gc needs a retention: --days N or ATELIER_RETENTION_DAYS=N (runs older than N days go)');
  const redisUrl = command.env.ATELIER_REDIS_URL;
  const lock = acquireLock(command.dataDir, 'gc');
  let shared: SharedCacheGc | undefined;
  try {
    shared = redisUrl ? await (await import('../queue/shared-cache-gc')).SharedCacheGc.connect(redisUrl) : undefined;
    const store = openStore(command.dataDir);
    try {
      const now = new Date();
      const scan = await shared?.scan(retentionCutoff(days, now), now);
      const report = await collectGarbage(store, { days, now, flowsDir: resolve(command.flowsDir), dryRun: command.dryRun, referenced: scan ? [scan.referenced] : [] });
      const verb = command.dryRun ? 'would remove' : 'removed';
      console.log(`gc ${join(store.dataDir)}: keeping the last ${days} day(s) (since ${report.cutoff})`);
      if (command.dryRun) for (const hash of report.removedArtifacts) console.log(`  artifact ${hash}`);
      console.log(`${verb}: ${report.runs} run(s), ${report.events} event(s), ${report.cacheRows} cache row(s), ${report.artifacts} artifact(s), ${report.batches} batch(es)`);
      console.log(`${command.dryRun ? 'would free' : 'freed'}: ${report.bytes} bytes (${formatBytes(report.bytes)})`);
      if (shared && scan) {
        const dropped = command.dryRun ? scan.stale.length : await shared.drop(scan.stale, report.removedArtifacts);
        console.log(`shared cache (Redis): ${verb} ${dropped} of ${scan.entries} entr${scan.entries === 1 ? 'y' : 'ies'}; the others keep the artifacts they name`);
      }
      return 0;
    } finally {
      store.close();
    }
  } finally {
    lock.release();
    shared?.close();
  }
}
