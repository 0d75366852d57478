// Single-flight: identical node executions (same cache key) in concurrent runs execute once. The
// first run to claim a key leads and executes; the others follow and receive its outcome.
// Behind an interface so that several worker processes can share flights (e.g. through Redis).
import type { CachedResult } from '../store/cache';

/** How a flight ended. `abandoned`: the leader stopped (its run was cancelled); followers try again. */
export type FlightOutcome =
  | { status: 'succeeded'; result: CachedResult }
  | { status: 'failed'; error: string; field?: string }
  | { status: 'abandoned' };

export type FlightClaim =
  | { role: 'leader'; settle(outcome: FlightOutcome): void }
  | { role: 'follower'; leaderRunId: string; outcome: Promise<FlightOutcome> };

export interface SingleFlight {
  /**
   * Leads the flight of `key`, or follows the one in progress. A leader must settle its claim exactly
   * once. May answer with a promise (a shared backend); the in-process one answers synchronously.
   */
  claim(key: string, runId: string): FlightClaim | Promise<FlightClaim>;
}

/**
 * Settled flights are removed in bulk, once this many entries are held: a Map whose size swings
 * between none and a few re-allocates its table on almost every set and delete (V8 shrinks it when
 * it is a quarter full), which made a claim and its settle cost ~0.45 µs, not ~0.07.
 */
const SWEEP_AT = 256;

/** Flights of one process: a map from key to the flight in progress; a settled one is left until the next sweep. */
export class LocalSingleFlight implements SingleFlight {
  private flights = new Map<string, LocalFlight>();
  /** Twice the open flights after a sweep, at least SWEEP_AT: thousands of long flights are not swept at every claim. */
  private sweepAt = SWEEP_AT;

  claim(key: string, runId: string): FlightClaim {
    const flight = this.flights.get(key);
    if (flight && !flight.settled) return { role: 'follower', leaderRunId: flight.runId, outcome: flight.follow() };
    if (!flight && this.flights.size >= this.sweepAt) this.sweep();
    const lead = new LocalFlight(runId);
    this.flights.set(key, lead);
    return lead;
  }

  /** Flights in progress (tests and diagnostics). */
  get size(): number {
    let open = 0;
    for (const flight of this.flights.values()) if (!flight.settled) open++;
    return open;
  }

  private sweep(): void {
    const open = new Map<string, LocalFlight>();
    for (const [key, flight] of this.flights) if (!flight.settled) open.set(key, flight);
    this.flights = open;
    this.sweepAt = Math.max(SWEEP_AT, 2 * open.size);
  }
}

/** The leader's claim. The outcome promise is made only when someone follows: most flights have no followers. */
class LocalFlight {
  readonly role = 'leader';
  private outcome?: Promise<FlightOutcome>;
  private resolve?: (outcome: FlightOutcome) => void;
  settled = false;

  constructor(readonly runId: string) {}

  follow(): Promise<FlightOutcome> {
    this.outcome ??= new Promise<FlightOutcome>((resolve) => (this.resolve = resolve));
    return this.outcome;
  }

  settle(outcome: FlightOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve?.(outcome);
  }
}
