// A run's cancellation. An AbortController costs ~6 µs to make its signal on Node 20 (~11 µs with a
// listener added and removed): a good share of a small run, and most nodes never look at their
// signal. So the signal is made when something first asks for it (a node's ctx.signal, a limiter
// wait, a retry's sleep), already aborted if the run was; the scheduler hears of an abort directly.
import { setMaxListeners } from 'node:events';

export class RunCancel {
  aborted = false;
  reason: unknown;
  private controller?: AbortController;
  private listener?: (reason: unknown) => void;

  /** Aborted when `signal` is (a queue job's signal); aborting this one leaves `signal` as it is. */
  static following(signal: AbortSignal): RunCancel {
    const cancel = new RunCancel();
    if (signal.aborted) cancel.abort(signal.reason);
    else signal.addEventListener('abort', () => cancel.abort(signal.reason), { once: true });
    return cancel;
  }

  /** The run's AbortSignal, made on first use. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      // Each node waiting for a limiter slot or a retry listens on it: a run may have thousands.
      setMaxListeners(0, this.controller.signal);
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.listener?.(reason);
  }

  /** Calls `listener` once when the run is aborted (the scheduler: one listener per run). */
  onAbort(listener: ((reason: unknown) => void) | undefined): void {
    this.listener = listener;
  }
}
