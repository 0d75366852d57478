// Bounded concurrency for a batch's runs: at most `size` hold a slot; the others wait in order.
// A waiting holder that gives up (its run was cancelled while queued) leaves the line without a slot.

export interface Slot {
  /** Resolves when this holder has a slot. */
  turn: Promise<void>;
  /** Frees the slot (or leaves the line when it never got one). Safe to call more than once. */
  release(): void;
}

export class Slots {
  private free: number;
  private readonly line: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: size must be a positive integer, got ${size}`);
    this.free = size;
  }

  take(): Slot {
    let held = false;
    let released = false;
    let grant!: () => void;
    const turn = new Promise<void>((resolve) => {
      grant = () => {
        held = true;
        resolve();
      };
    });
    if (this.free > 0) {
      this.free--;
      grant();
    } else this.line.push(grant);
    const release = () => {
      if (released) return;
      released = true;
      if (held) return this.handOn();
      const at = this.line.indexOf(grant);
      if (at >= 0) this.line.splice(at, 1);
    };
    return { turn, release };
  }

  private handOn(): void {
    const next = this.line.shift();
    if (next) next();
    else this.free++;
  }
}

export const DEFAULT_BATCH_CONCURRENCY = 4;
export const MAX_BATCH_CONCURRENCY = 64;

/** ATELIER_BATCH_CONCURRENCY: how many runs of one batch execute at once (default 4). A bad value fails loudly. */
export function batchConcurrency(env: NodeJS.ProcessEnv = {}): number {
  const raw = env.ATELIER_BATCH_CONCURRENCY;
  if (raw === undefined || raw.trim() === '') return DEFAULT_BATCH_CONCURRENCY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH_CONCURRENCY) {
    throw new Error(`ATELIER_BATCH_CONCURRENCY must be an integer from 1 to ${MAX_BATCH_CONCURRENCY}, got "${raw}"`);
  }
  return n;
}
