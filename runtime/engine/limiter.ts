// Concurrency limits shared by all runs, one per key (a node type or a provider family).
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  /** Slots taken now. */
  get taken(): number {
    return this.active;
  }

  /** Callers waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Takes a free slot now, if there is one. */
  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active++;
    return true;
  }

  /** Undefined when a slot was free (taken: no promise, no microtask), else resolves when one is; an aborted wait leaves the queue. */
  acquire(signal?: AbortSignal): Promise<void> | undefined {
    if (this.tryAcquire()) return undefined;
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

export class Limiters {
  private readonly byKey = new Map<string, Limiter>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** ATELIER_CONCURRENCY_<KEY> (e.g. ATELIER_CONCURRENCY_OPENAI=2) overrides a node's declared limit. */
  get(key: string, declared: number): Limiter {
    let limiter = this.byKey.get(key);
    if (!limiter) {
      const override = Number(this.env[`ATELIER_CONCURRENCY_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]);
      limiter = new Limiter(Number.isInteger(override) && override > 0 ? override : declared);
      this.byKey.set(key, limiter);
    }
    return limiter;
  }
}
