// The event loop's longest stall while some work runs, for benchmarks that compare work kept off the
// loop with the same work on it.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Longest stall (ms) while `work` runs. */
export async function longestStall(work: () => Promise<unknown> | void): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // A stall is recorded when the monitor's timer fires after it, measured from its previous firing:
  // let it fire before the work and once after.
  await tick();
  await work();
  await tick();
  delay.disable();
  return delay.max / 1e6;
}
