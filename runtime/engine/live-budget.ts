// How much run state one process holds at once. A live run (queued or running) keeps its flow, plan
// and record in memory (~6 KB for a two-node flow, ~800 bytes more per node), so a script posting
// runs faster than they finish would grow the server until it dies. Past the budget a new run is
// refused with TooManyRuns (HTTP 429 `too_many_runs`): a client retries later, nothing is lost. A
// request that would not fit even alone is refused for good (400 `limit_exceeded`).

export const DEFAULT_MAX_LIVE_RUNS = 10_000;
export const DEFAULT_MAX_LIVE_NODES = 1_000_000;

export interface LiveBudgetDetails {
  liveRuns: number;
  maxLiveRuns: number;
  liveNodes: number;
  maxLiveNodes: number;
  /** Set when the request alone is too large: what to make smaller. */
  field?: string;
}

export class TooManyRuns extends Error {
  readonly code = 'too_many_runs';
  constructor(
    message: string,
    readonly details: LiveBudgetDetails,
    /** False when the request would not fit even with nothing else live: waiting cannot help. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TooManyRuns';
  }
}

export class LiveBudget {
  private runs = 0;
  private nodes = 0;

  constructor(
    readonly maxRuns = DEFAULT_MAX_LIVE_RUNS,
    readonly maxNodes = DEFAULT_MAX_LIVE_NODES,
  ) {}

  /** ATELIER_MAX_LIVE_RUNS and ATELIER_MAX_LIVE_NODES; a bad value fails loudly, naming the variable. */
  static fromEnv(env: NodeJS.ProcessEnv = {}): LiveBudget {
    return new LiveBudget(limitFrom(env, 'ATELIER_MAX_LIVE_RUNS', DEFAULT_MAX_LIVE_RUNS), limitFrom(env, 'ATELIER_MAX_LIVE_NODES', DEFAULT_MAX_LIVE_NODES));
  }

  get liveRuns(): number {
    return this.runs;
  }

  get liveNodes(): number {
    return this.nodes;
  }

  /** Throws TooManyRuns unless `runs` more runs of `nodes` nodes in all fit now. */
  check(runs: number, nodes: number): void {
    const details = { liveRuns: this.runs, maxLiveRuns: this.maxRuns, liveNodes: this.nodes, maxLiveNodes: this.maxNodes };
    const what = runs === 1 ? 'this run' : `these ${runs} runs`;
    // The field a user changes: a batch's sweep makes its runs; one run's size is its flow's nodes.
    if (runs > this.maxRuns) {
      throw new TooManyRuns(`${what} would pass the limit of ${this.maxRuns} queued or running runs (ATELIER_MAX_LIVE_RUNS) on their own`, { ...details, field: 'sweep' }, false);
    }
    if (nodes > this.maxNodes) {
      const field = runs === 1 ? 'flow.nodes' : 'sweep';
      throw new TooManyRuns(`${what} (${nodes} nodes) would pass the limit of ${this.maxNodes} nodes in queued or running runs (ATELIER_MAX_LIVE_NODES) on their own`, { ...details, field }, false);
    }
    if (this.runs + runs > this.maxRuns) {
      throw new TooManyRuns(`${this.runs} runs are queued or running and ${what} would pass the limit of ${this.maxRuns} (ATELIER_MAX_LIVE_RUNS); try again when some have finished`, details, true);
    }
    if (this.nodes + nodes > this.maxNodes) {
      throw new TooManyRuns(`the queued and running runs hold ${this.nodes} nodes and ${what} (${nodes} nodes) would pass the limit of ${this.maxNodes} (ATELIER_MAX_LIVE_NODES); try again when some have finished`, details, true);
    }
  }

  /** Counts one run of `nodes` nodes (after `check`, unless it is already live: an adopted run); the answer gives it back, once. */
  take(nodes: number, options: { check?: boolean } = {}): () => void {
    if (options.check !== false) this.check(1, nodes);
    this.runs++;
    this.nodes += nodes;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.runs--;
      this.nodes -= nodes;
    };
  }
}

function limitFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}
