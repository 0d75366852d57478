// Admits queued runs to execution, at most `perTurn` in one event-loop turn. A burst of runs (a sweep,
// a script posting thousands) then starts over several turns instead of all at once: the server keeps
// answering between them, and instant runs finish and are released before the next ones begin, so a
// burst holds the state of a few dozen executing runs, not of thousands (their garbage dies young).
// A run that comes while fewer than `perTurn` were admitted in this turn starts at once, as before.

/**
 * 64 until 2026-12: with today's engine a burst's ten-node runs went ~6% faster at 32 (12 alternating
 * runs of bench/engine's bursts: 8,470 → 8,970 and 9,410 → 9,960 runs/s), fewer runs' state alive at
 * each scavenge; at 8 the turns themselves cost more (7,890).
 */
export const DEFAULT_RUNS_PER_TURN = 32;

/**
 * Queued items are handed to one `admit` function, not each to a promise of its own: a burst's
 * thousands of queued runs then hold no promise, closure or suspended async frame while they wait.
 */
export class RunAdmission<T> {
  private admittedThisTurn = 0;
  private resetScheduled = false;
  private readonly waiting: T[] = [];
  private waitingHead = 0;
  private releaseScheduled = false;

  constructor(
    private readonly admit: (item: T) => void,
    private readonly perTurn = DEFAULT_RUNS_PER_TURN,
  ) {}

  /** Runs are waiting for their turn: a burst is under way. */
  get busy(): boolean {
    return this.waitingHead < this.waiting.length;
  }

  /** True when the run may start now; otherwise `enqueue()` it. */
  tryAdmit(): boolean {
    if (this.busy || this.admittedThisTurn >= this.perTurn) return false;
    this.count();
    return true;
  }

  /** `admit(item)` is called in arrival order, at most `perTurn` per turn; a cancelled run is admitted too (it ends at once). */
  enqueue(item: T): void {
    this.waiting.push(item);
    this.scheduleRelease();
  }

  private count(): void {
    this.admittedThisTurn++;
    if (this.resetScheduled) return;
    this.resetScheduled = true;
    setImmediate(this.reset);
  }

  private readonly reset = (): void => {
    this.resetScheduled = false;
    this.admittedThisTurn = 0;
  };

  private scheduleRelease(): void {
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    setImmediate(this.release);
  }

  private readonly release = (): void => {
    this.releaseScheduled = false;
    while (this.waitingHead < this.waiting.length && this.admittedThisTurn < this.perTurn) {
      const item = this.waiting[this.waitingHead];
      this.waiting[this.waitingHead++] = undefined as T; // an admitted run's state is not kept by the queue
      this.count();
      this.admit(item);
    }
    if (this.waitingHead < this.waiting.length) this.scheduleRelease();
    else {
      this.waiting.length = 0;
      this.waitingHead = 0;
    }
  };
}
