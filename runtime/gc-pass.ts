// One gc pass as `atelier gc`, POST /api/gc and a server's ATELIER_RETENTION_DAYS run it: retention
// on the store and, in queue mode (ATELIER_REDIS_URL), the shared cache in Redis as a reference source
// too (gc keeps what it names; its entries older than the retention go).
import type { Store } from './store';
import { collectGarbage, formatBytes, retentionCutoff, type GcReport } from './store/gc';

export { MAX_GC_DAYS } from './store/gc';

export interface GcPassOptions {
  days: number;
  dryRun: boolean;
  /** A pass under way stops at its next page, removing nothing. */
  signal?: AbortSignal;
  now?: Date;
}

export interface GcPassReport extends GcReport {
  days: number;
  /** Queue mode: the shared cache's entries, and how many of them went (or would). */
  sharedCache?: { entries: number; removed: number };
}

export class GcPasses {
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly flowsDir: string,
    private readonly redisUrl: string | undefined,
  ) {}

  /** Starts after the pass under way (a daily one, another caller's) ends: two passes never interleave their removals. */
  run(options: GcPassOptions): Promise<GcPassReport> {
    const pass = this.last.then(() => this.pass(options));
    this.last = pass.catch(() => {});
    return pass;
  }

  private async pass({ days, dryRun, signal, now = new Date() }: GcPassOptions): Promise<GcPassReport> {
    const shared = this.redisUrl ? await (await import('./queue/shared-cache-gc')).SharedCacheGc.connect(this.redisUrl) : undefined;
    try {
      const scan = await shared?.scan(retentionCutoff(days, now), now);
      const report = await collectGarbage(this.store, { days, now, flowsDir: this.flowsDir, dryRun, signal, referenced: scan ? [scan.referenced] : [] });
      if (!shared || !scan) return { ...report, days };
      const removed = dryRun ? scan.stale.length : await shared.drop(scan.stale, report.removedArtifacts);
      return { ...report, days, sharedCache: { entries: scan.entries, removed } };
    } finally {
      shared?.close();
    }
  }
}

/** What `atelier gc` prints of a pass, whether it ran here or on the server holding the data dir. */
export function gcReportLines(report: GcPassReport, dataDir: string): string[] {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines = [`gc ${dataDir}: keeping the last ${report.days} day(s) (since ${report.cutoff})`];
  if (report.dryRun) for (const hash of report.removedArtifacts) lines.push(`  artifact ${hash}`);
  lines.push(`${verb}: ${report.runs} run(s), ${report.events} event(s), ${report.cacheRows} cache row(s), ${report.artifacts} artifact(s), ${report.batches} batch(es)`);
  lines.push(`${report.dryRun ? 'would free' : 'freed'}: ${report.bytes} bytes (${formatBytes(report.bytes)})`);
  if (report.keptSince) lines.push(`kept: artifacts stored since ${report.keptSince}, when the oldest unfinished run began (a running node may hold one that nothing names yet)`);
  if (report.sharedCache) {
    const { entries, removed } = report.sharedCache;
    lines.push(`shared cache (Redis): ${verb} ${removed} of ${entries} entr${entries === 1 ? 'y' : 'ies'}; the others keep the artifacts they name`);
  }
  return lines;
}
