// ATELIER_RETENTION_DAYS in a server: a gc pass at start, then daily, beside live runs (gc reads the
// references a page at a time, see store/gc.ts). A failure is logged, never thrown from the timer.
import type { Atelier } from '../atelier';
import { formatBytes } from '../store/gc';

const DAY_MS = 86_400_000;

export interface Retention {
  /** Stops the daily passes; a pass under way stops at its next page (removing nothing) and is waited for. */
  close(): Promise<void>;
}

export function startRetention(atelier: Atelier, days: number, log: (message: string) => void): Retention {
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  const pass = () => {
    if (running) return; // the previous pass is still reading
    running = atelier.gc
      .run({ days, dryRun: false, signal: controller.signal })
      .then(
        (report) => log(`retention (${days} days): removed ${report.runs} run(s), ${report.events} event(s), ${report.cacheRows} cache row(s), ${report.artifacts} artifact(s), ${report.batches} batch(es), ${formatBytes(report.bytes)}`),
        (error: Error) => {
          if (!controller.signal.aborted) log(`retention pass failed: ${error.message}`);
        },
      )
      .finally(() => (running = undefined));
  };
  pass();
  const timer = setInterval(pass, DAY_MS);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}
