// The store's background threads (the writer's commits, WAL checkpoints) run at a lower priority than
// the event loop. When every core is busy the event loop keeps its CPU: a run's next node and an HTTP
// answer do not wait behind a commit, and the writes a busy writer falls behind on land in fewer,
// fuller transactions, which cost less per row. On 2 vCPUs, bench/engine's bursts ran ×1.04 (44
// alternating process pairs); measured as bench:peer measures, back to back ×1.02 and per node ×0.96
// (10 rounds each, within the noise). An idle core still runs them at once. Linux schedules each
// thread on its own: setpriority on a thread id lowers that thread only. Elsewhere the same call would
// lower the whole process, so it is made on Linux only.

/** How many nice steps below the thread that starts them (at most nice 19). */
export const BACKGROUND_NICE_STEPS = 10;

/**
 * Source of `lowerThreadPriority(thread)`, for a worker's evaluated code: lowers the calling thread's
 * priority; answers undefined, or the line to log when it could not (`thread` names it there).
 */
export const LOWER_THREAD_PRIORITY_SOURCE = `
function lowerThreadPriority(thread) {
  if (process.platform !== 'linux') return undefined;
  try {
    const os = require('node:os');
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + ${BACKGROUND_NICE_STEPS}));
    return undefined;
  } catch (error) {
    return thread + " keeps the event loop's priority (lowering it failed: " + String((error && error.message) || error) + ')';
  }
}
`;
